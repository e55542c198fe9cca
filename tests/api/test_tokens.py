"""Personal access tokens: made on the user's page and shown once, kept as a SHA-256,
revoked there; a revoked token, or none, is a 401 in the API's one error format."""

from __future__ import annotations

import hashlib
import re

from api.models import ApiToken


def test_a_token_is_shown_once_kept_hashed_and_works(client, rep, api_as, own_prospect):
    client.force_login(rep)
    page = client.post("/accounts/api-tokens/", {"name": "Zapier"}, follow=True).content.decode()
    raw = re.search(r"ecrm_[A-Za-z0-9_-]{43}", page).group(0)
    token = ApiToken.objects.get(user=rep)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())
    assert raw not in client.get("/accounts/api-tokens/").content.decode(), "shown only once"
    response = api_as().get("/api/v1/prospects/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [row["email"] for row in response.json()["results"]] == [own_prospect.email]
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "never" not in client.get("/accounts/api-tokens/").content.decode()


def test_a_revoked_token_stops_working(client, rep, api_as):
    api = api_as(rep)
    assert api.get("/api/v1/prospects/").status_code == 200
    client.force_login(rep)
    client.post(f"/accounts/api-tokens/{api.token.pk}/revoke/")
    response = api.get("/api/v1/prospects/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": "This token is unknown or was revoked."}
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_nobody_revokes_anothers_token(client, rep, outsider, api_as):
    api = api_as(rep)
    client.force_login(outsider)
    assert client.post(f"/accounts/api-tokens/{api.token.pk}/revoke/").status_code == 404
    assert api.get("/api/v1/prospects/").status_code == 200


def test_without_a_token_the_api_says_how_to_send_one(anonymous_api):
    response = anonymous_api.get("/api/v1/prospects/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    garbled = anonymous_api.get("/api/v1/prospects/", HTTP_AUTHORIZATION="Basic abc")
    assert garbled.status_code == 401
    assert "Authorization: Bearer" in garbled.json()["error"]["message"]


def test_a_deactivated_users_token_stops_working(rep, api_as):
    api = api_as(rep)
    rep.is_active = False
    rep.save()
    assert api.get("/api/v1/prospects/").status_code == 401
