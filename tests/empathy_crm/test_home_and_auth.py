from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory


@pytest.mark.parametrize(
    ("who", "heading"),
    [
        ("rep", "Today's helpful follow-ups"),
        ("manager", "Waiting for your review"),
        ("admin_user", "Background workers"),
    ],
)
def test_each_role_has_its_own_home_page(client, request, who, heading):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert heading in response.text


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="nav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", link).strip() for link in links]


@pytest.mark.parametrize(
    ("who", "links"),
    [
        (
            "rep",
            [
                "Home",
                "Follow-ups",
                "Prospects",
                "Accounts",
                "Empathy maps",
                "My earnings",
                "Insights",
                "My team",
            ],
        ),
        (
            "manager",
            [
                "Home",
                "Follow-ups",
                "Prospects",
                "Accounts",
                "Empathy maps",
                "Statements",
                "Insights",
                "My team",
            ],
        ),
        (
            "admin_user",
            [
                "Home",
                "Follow-ups",
                "Prospects",
                "Accounts",
                "Empathy maps",
                "Insights",
                "Teams",
                "Playbooks",
                "Commissions",
                "Form sources",
                "Webhooks",
                "Django admin",
            ],
        ),
    ],
)
def test_navigation_follows_the_role(client, request, who, links):
    client.force_login(request.getfixturevalue(who))
    assert nav_links(client.get(reverse("home")).text) == links


def test_user_without_role_is_told_to_ask_an_admin(client, db):
    client.force_login(UserFactory())
    assert "has no role yet" in client.get(reverse("home")).text


def test_home_requires_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_healthz_answers_ok_without_sign_in(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.text == "ok"


def test_sign_in_and_out_with_the_login_form(client, rep):
    response = client.post(reverse("login"), {"username": "rep", "password": PASSWORD})
    assert response.status_code == 302
    assert "Today's helpful follow-ups" in client.get(reverse("home")).text
    response = client.post(reverse("logout"), follow=True)
    assert "Sign in" in response.text
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_shows_an_error_on_the_form(client, rep):
    response = client.post(reverse("login"), {"username": "rep", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_repeated_failed_logins_lock_the_username_out(client, rep):
    for _ in range(5):
        client.post(reverse("login"), {"username": "rep", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "rep", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.text
    assert client.get(reverse("home")).status_code == 302


def test_password_reset_by_email_end_to_end(client, rep):
    response = client.post(reverse("password_reset"), {"email": rep.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    new_password = "a-brand-new-long-passphrase"
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password(new_password)


def test_password_change_enforces_the_validators(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 200
    assert "too short" in response.text
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_unknown_page_is_a_friendly_404(client, rep):
    client.force_login(rep)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "could not find that page" in response.text


def test_forms_are_protected_by_csrf(db, rep):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "rep", "password": PASSWORD})
    assert response.status_code == 403


@override_settings(DEBUG=False)
def test_server_error_page_needs_no_database(rf, django_db_blocker):
    """The 500 page is what shows when the database is down: it must not need it."""
    from empathy_crm import views

    def database_down(*args):
        raise OperationalError("the database is down")

    with django_db_blocker.block(), connection.execute_wrapper(database_down):
        response = views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_htmx_requests_send_the_csrf_token(client, rep):
    client.force_login(rep)
    body = client.get(reverse("home")).text
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"[\w-]+\"\}'", body)
    assert "vendor/htmx/htmx-2.0.11.min.js" in body
    assert "https://" not in re.sub(r"<a [^>]*>", "", body.split("<body")[0])


def test_find_a_person_is_in_the_header_for_people_with_a_role(client, rep, db):
    assert 'id="quick-find"' not in client.get(reverse("login")).text
    client.force_login(rep)
    page = client.get(reverse("home")).text
    assert f'action="{reverse("prospects:prospect_list")}"' in page
    assert '<input type="hidden" name="owner" value="all">' in page  # the team's, not just mine
