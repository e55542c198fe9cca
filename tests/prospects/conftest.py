from __future__ import annotations

import pytest

from tests.factories import ProspectFactory


@pytest.fixture
def own_prospect(rep):
    return ProspectFactory(owner=rep, first_name="Dana", last_name="Whitfield")


@pytest.fixture
def teammates_prospect(teammate):
    return ProspectFactory(owner=teammate, first_name="Marcus", last_name="Oyelaran")


@pytest.fixture
def outside_prospect(outsider):
    return ProspectFactory(owner=outsider, first_name="Olga", last_name="Outside")
