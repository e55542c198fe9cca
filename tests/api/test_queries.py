"""The API's lists cost the same queries however many records a page holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from empathy_maps import services as maps
from tests.factories import (
    ConversationFactory,
    EngagementFactory,
    FollowUpFactory,
    OpportunityFactory,
    ProspectFactory,
)


def grow(rep, n: int) -> None:
    for _ in range(n):
        prospect = ProspectFactory(owner=rep)
        ConversationFactory(prospect=prospect)
        EngagementFactory(prospect=prospect)
        OpportunityFactory(prospect=prospect)
        FollowUpFactory(prospect=prospect, assignee=rep)
        emap = maps.map_for_prospect(prospect=prospect, author=rep)
        maps.entry_add(empathy_map=emap, quadrant="says", text="It takes too long", by=rep)


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("endpoint", ["prospects", "accounts", "conversations", "engagements",
                                      "opportunities", "followups", "empathy-maps"])  # fmt: skip
def test_a_page_of_a_list_costs_the_same_queries_at_any_size(api_as, rep, endpoint):
    client = api_as(rep)
    client.get("/api/v1/prospects/")  # the token's first use is recorded once a minute
    grow(rep, 2)
    small = queries(client, f"/api/v1/{endpoint}/")
    grow(rep, 12)
    # The token, its user with role and team, the team's member ids (the scope), the page,
    # and for maps their entries: five at most, whatever the size.
    assert (
        queries(client, f"/api/v1/{endpoint}/") == small <= (5 if endpoint == "empathy-maps" else 4)
    )
