"""A NUL character (\\0) is no text any address, field or file of the app may hold (the
database refuses it), so wherever one comes in it is refused with a 400, before any view,
session or sign-in lock sees it; in an uploaded CSV, with a file error naming the row.

Every URL of the app (``ACCESS`` and ``PUBLIC`` of the app-wide access test) is tried with a
NUL in its path, its query and a posted field; then every text field of every form on every
page a person may open, signed in as each role and not signed in, gets a NUL of its own.
"""

from __future__ import annotations

import contextlib
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from prospects.models import Prospect, ProspectImport
from tests.empathy_crm import test_every_view
from tests.empathy_crm.test_every_view import ACCESS, PUBLIC

world = test_every_view.world  # the same records, as a fixture here too

NUL = "\x00"
ROLES = [None, "rep", "manager", "admin_user"]  # None: not signed in


def public_args(world: dict) -> dict:
    rep = world["feed"].user
    return {
        "concierge:calendar_feed": [world["feed"].token],
        "password_reset_confirm": [
            urlsafe_base64_encode(force_bytes(rep.pk)),
            default_token_generator.make_token(rep),
        ],
        **room_args(world),
    }


def room_args(world: dict) -> dict:
    """A climb room's URLs, with the room's own personal link."""
    token, question, step = world["room_token"], world["room_question"].pk, world["room_step"].pk
    return {
        "room:view": [token], "room:ask": [token], "room:invite": [token],
        "room:question": [token, question], "room:helped": [token, question],
        "room:step": [token, step], "room:step_done": [token, step],
    }  # fmt: skip


def every_url(world: dict):
    """(name, arguments) of every URL, with real ids and tokens from the world."""
    extra = public_args(world)
    for name in sorted(ACCESS):
        access = ACCESS[name]
        yield name, access.args(world) if access.args else []
    for name in sorted(PUBLIC):
        yield name, extra.get(name, [])


def with_nul_in_path(name: str, args: list) -> list[str]:
    """The URL with a NUL in each text argument (so it still reaches its view), and with one
    at the end of its path."""
    url = reverse(name, args=args)
    urls = [url[:-1] + "%00/" if url.endswith("/") else url + "%00"]
    if any(isinstance(arg, str) for arg in args):
        with contextlib.suppress(NoReverseMatch):  # an id cannot hold one
            urls.append(
                reverse(name, args=[f"{a}{NUL}" if isinstance(a, str) else a for a in args])
            )
    return urls


def refused(response) -> bool:
    if response.status_code != 400:
        return False
    if urlsplit(response.request["PATH_INFO"]).path.startswith("/api/"):
        return "error" in response.json()
    return "NUL" in response.text


@pytest.mark.parametrize("who", ROLES)
def test_a_nul_anywhere_in_a_request_to_any_url_is_a_400(client, request, world, who):
    client.raise_request_exception = False  # a 500 is an answer to report, not a crash
    if who:
        client.force_login(request.getfixturevalue(who))
    answers = {}
    for name, args in every_url(world):
        url = reverse(name, args=args)
        for label, response in [
            ("query value", client.get(url, {"q": f"a{NUL}b"})),
            ("query name", client.get(f"{url}?a%00b=1")),
            ("raw query", client.get(f"{url}?q=a\x00b")),
            ("form field", client.post(url, {"note": f"a{NUL}b"})),
            ("form field name", client.post(url, {f"a{NUL}b": "1"})),
            (
                "file field name",
                client.post(url, {f"a{NUL}b": SimpleUploadedFile("a.csv", b"email\n")}),
            ),
            *[(f"path {path}", client.get(path)) for path in with_nul_in_path(name, args)],
        ]:
            answers[f"{name} ({label})"] = response.status_code if not refused(response) else 400
    assert {where: status for where, status in answers.items() if status != 400} == {}


def test_a_nul_in_a_cookie_is_a_400_not_a_500(client, rep):
    client.raise_request_exception = False
    client.cookies["sessionid"] = f"abcdefgh{NUL}ijk"
    assert client.get(reverse("home")).status_code == 400


def test_the_api_answers_json_and_browsers_get_a_page(client, db):
    api = client.get(f"{reverse('inbound_engagements')}?q=%00")
    assert api.status_code == 400 and api["Content-Type"] == "application/json"
    assert "NUL" in api.json()["error"]
    page = client.get("/prospects/?q=%00")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert "<h1>" in page.text and "app.css" in page.text


# --- Every text field of every form --------------------------------------------------------

TEXT_INPUTS = {"text", "search", "email", "url", "tel", "password"}


class Forms(HTMLParser):
    """The <form>s of a page: action, method, and each field's name, kind and value as
    rendered (what a browser would send if the person changed nothing)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "fields": []}  # fmt: skip
            self.forms.append(self._form)
        elif self._form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                self._form["fields"].append([a["name"], kind, a.get("value", "")])
        elif tag == "textarea":
            self._textarea = [a["name"], "textarea", ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select":
            self._select = [a["name"], "select", None]
            self._form["fields"].append(self._select)
        elif (
            tag == "option"
            and self._select is not None
            and (self._select[2] is None or "selected" in a)
        ):
            self._select[2] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms_on(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def pages_for(who, world: dict) -> list[str]:
    """Every page ``who`` may open with a GET, with the forms a person would see there."""
    if who is None:
        confirm = reverse(
            "password_reset_confirm", args=public_args(world)["password_reset_confirm"]
        )
        return [reverse("login"), reverse("password_reset"), confirm]
    urls = [reverse("password_change")]
    for name, access in sorted(ACCESS.items()):
        if access.method == "GET":
            urls.append(reverse(name, args=access.args(world) if access.args else []))
    followup = reverse("concierge:followup_detail", args=[world["followup"].pk])
    urls += [f"{followup}?action={action}" for action in ("done", "snooze", "skip", "reassign")]
    return urls


def everything_stored() -> dict:
    """Every row of every table but the sessions, to prove nothing was written."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.label != "sessions.Session"
    }


def field_error(response) -> bool:
    return response.status_code == 200 and (
        "errorlist" in response.text or "has-error" in response.text
    )


@pytest.mark.parametrize("who", ROLES)
def test_a_nul_in_any_text_field_of_any_form_is_refused(client, request, world, who):
    client.raise_request_exception = False  # a 500 is an answer to report, not a crash
    if who:
        client.force_login(request.getfixturevalue(who))
    submissions = {}
    for page in pages_for(who, world):
        response = client.get(page, follow=True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        for form in forms_on(response.text):
            target = urljoin(response.request["PATH_INFO"], form["action"])
            for index, (name, kind, _) in enumerate(form["fields"]):
                if kind in TEXT_INPUTS or kind == "textarea":
                    data = {n: v for i, (n, _, v) in enumerate(form["fields"])
                            if i != index and v is not None}  # fmt: skip
                    data[name] = f"a{NUL}b"
                    submissions.setdefault((form["method"], target, name), (page, data))
    assert len(submissions) >= (5 if who is None else 30), "the crawl found the forms"
    before = everything_stored()
    wrong = {}
    for (method, target, name), (page, data) in submissions.items():
        response = getattr(client, "post" if method == "post" else "get")(target, data)
        if not (response.status_code == 400 or field_error(response)):
            wrong[f"{method} {target} [{name}] (the form on {page})"] = response.status_code
    assert wrong == {}
    assert everything_stored() == before
    assert mail.outbox == []


# --- CSV files ----------------------------------------------------------------------------


def test_a_nul_in_a_csv_cell_is_a_file_error_naming_the_row(client, rep):
    client.force_login(rep)
    text = "email,first_name,title\nana@acme.example,Ana,CTO\nbo@acme.example,Bo,Head\x00 of IT\n"
    file = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    response = client.post(reverse("prospects:import_upload"), {"file": file}, follow=True)
    assert response.status_code == 200
    assert "Row 3 holds a NUL character" in response.text
    assert not ProspectImport.objects.exists() and not Prospect.objects.exists()


def test_a_csv_saved_as_utf16_is_explained(client, rep):
    client.force_login(rep)
    text = "email,first_name\nana@acme.example,Ana\n"
    file = SimpleUploadedFile("people.csv", text.encode("utf-16-le"), content_type="text/csv")
    response = client.post(reverse("prospects:import_upload"), {"file": file}, follow=True)
    assert "Row 1 holds a NUL character" in response.text and "UTF-16" in response.text
    assert not ProspectImport.objects.exists()
