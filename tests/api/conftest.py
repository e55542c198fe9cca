from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken


class TokenClient(APIClient):
    """A client that speaks JSON with a user's personal access token."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        if user is not None:
            self.token, raw = ApiToken.issue(user=user, name="tests")
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
            self.raw = raw

    def post(self, path, data=None, **kwargs):
        return super().post(path, data, format="json", **kwargs)

    def patch(self, path, data=None, **kwargs):
        return super().patch(path, data, format="json", **kwargs)


@pytest.fixture
def api_as():
    return TokenClient


@pytest.fixture
def anonymous_api():
    return TokenClient()
