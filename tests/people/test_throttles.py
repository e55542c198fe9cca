"""One address cannot try a password against every username, nor have a flood of password
reset mails sent; the limits count in the shared cache and database, per client address."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _limits(settings):
    """The limits these tests assume, whatever the environment sets."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 30
    settings.TRUSTED_PROXY_COUNT = 0
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 10
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3


def sign_in(client, username, password="wrong", address="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302


def test_one_address_trying_every_username_is_locked_after_30_failures(client, rep):
    for n in range(29):  # one wrong password each: far below the per-username limit
        assert sign_in(client, f"person{n}").status_code == 200
    assert signed_in(sign_in(client, "rep", PASSWORD))
    client.logout()
    sign_in(client, "person29")  # the 30th failure from this address
    locked = sign_in(client, "rep", PASSWORD)
    assert locked.status_code == 429 and "Too many sign-in attempts" in locked.text
    assert signed_in(sign_in(client, "rep", PASSWORD, address="198.51.100.4"))


def test_signing_in_to_your_own_account_does_not_clear_the_addresss_count(client, rep):
    for n in range(29):
        sign_in(client, f"person{n}")
    assert signed_in(sign_in(client, "rep", PASSWORD))  # the attacker's own account
    client.logout()
    sign_in(client, "person29")
    assert sign_in(client, "rep", PASSWORD).status_code == 429


def test_one_username_is_still_locked_after_five_failures_on_an_address(client, rep):
    for _ in range(5):
        sign_in(client, "rep")
    assert sign_in(client, "rep", PASSWORD).status_code == 429
    assert signed_in(sign_in(client, "rep", PASSWORD, address="198.51.100.4"))


def test_behind_a_proxy_the_address_it_saw_is_counted_not_what_the_client_claims(
    client, rep, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for n in range(30):  # each claims a new address to the left of the proxy's entry
        sign_in(client, f"person{n}", address=proxy,
                HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")  # fmt: skip
    locked = sign_in(client, "rep", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    elsewhere = sign_in(client, "rep", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert signed_in(elsewhere)


def reset(client, email, address="203.0.113.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_mails_at_most_ten_an_hour_from_one_address(client, db):
    people = [UserFactory(email=f"person{n}@example.com") for n in range(15)]
    answers = [reset(client, person.email) for person in people]
    assert len(mail.outbox) == 10
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("password_reset_done"))
    }
    reset(client, people[-1].email, address="198.51.100.4")
    assert len(mail.outbox) == 11  # another address is not held back


def test_password_reset_mails_one_email_at_most_three_an_hour(client, rep):
    answers = [reset(client, rep.email, address=f"192.0.2.{n}") for n in range(8)]
    assert len(mail.outbox) == 3
    assert {a["Location"] for a in answers} == {reverse("password_reset_done")}
    reset(client, rep.email.upper(), address="192.0.2.99")  # the same email, however written
    assert len(mail.outbox) == 3


def test_unknown_emails_get_the_same_answer_and_count_against_the_address(client, rep):
    for n in range(10):
        assert reset(client, f"nobody{n}@example.com")["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
    reset(client, rep.email)
    assert mail.outbox == []
