from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prospects import imports
from prospects.models import Account, Prospect, ProspectImport
from tests.factories import ProspectFactory
from tests.services import (
    broker_unreachable,
    celery_worker,
    purge_queue,
    require_broker,
    wait_for,
)

HEADER = "email,first_name,last_name,company,title,stage,willingness,do_not_contact,owner,open_question\n"


def upload(client, text: str, name: str = "people.csv", encoding: str = "utf-8"):
    file = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    return client.post(reverse("prospects:import_upload"), {"file": file}, follow=True)


def test_dry_run_reports_row_errors_and_writes_nothing(client, rep):
    client.force_login(rep)
    text = HEADER + (
        "ana@acme.example,Ana,Ng,Acme,CTO,exploring,eager,no,,How fast is setup?\n"
        "not-an-email,Bob,,Acme,,,,,,\n"
        "cy@acme.example,,Cy,Acme,,qualified,,maybe,,\n"
        "di@acme.example,Di,,Acme,,,,,someone-else,\n"
    )
    response = upload(client, text)
    job = ProspectImport.objects.get()
    assert job.status == "previewed" and job.total_rows == 4
    errors = {(e["row"], e["column"]) for e in job.errors}
    assert errors == {
        (3, "email"),
        (4, "first_name"),
        (4, "stage"),
        (4, "do_not_contact"),
        (5, "owner"),
    }
    assert "Download the 3 rows to fix" in response.text
    assert "is not someone you can assign to" in response.text
    assert "Nothing is imported while rows have errors" in response.text
    assert not Prospect.objects.exists() and not Account.objects.exists()
    confirm = client.post(reverse("prospects:import_confirm", args=[job.pk]), follow=True)
    assert "Fix the rows listed below" in confirm.text
    assert not Prospect.objects.exists()


def test_file_level_problems_are_explained(client, rep):
    client.force_login(rep)
    file = SimpleUploadedFile("p.csv", b"email,first_name\n\x81@x.example,A\n")
    refused = client.post(reverse("prospects:import_upload"), {"file": file}).text
    assert "neither UTF-8 nor Windows-1252" in refused
    assert "Upload a .csv file." in upload(client, HEADER, name="people.xlsx").text
    assert not ProspectImport.objects.exists()
    # A file that lacks a required column goes to the mapping step, which says what is missing.
    page = upload(client, "email\na@b.example\n").text
    assert "Choose the column that holds the first name (or the full name)." in page
    # A column we do not know is offered as "Don't import", with its first values.
    page = upload(client, "email,first_name,shoe_size\na@b.example,A,44\n").text
    assert "shoe_size" in page and "44" in page
    assert ProspectImport.objects.filter(status="mapping").count() == 2


def test_byte_order_mark_is_accepted(client, rep):
    client.force_login(rep)
    upload(client, "\ufeff" + HEADER + "ana@acme.example,Ana,,,,,,,,\n")
    job = ProspectImport.objects.get()
    assert job.errors == [] and job.created_count == 1


def test_import_creates_updates_and_never_duplicates(rep, teammate, manager):
    existing = ProspectFactory(owner=rep, email="ana@acme.example", title="Old title")
    text = HEADER + (
        "ANA@acme.example,Ana,Ng,Acme,CTO,deciding,eager,yes,,\n"
        "bo@acme.example,Bo,Berg,Acme,,,,,teammate,What does it cost?\n"
        "cy@gmail.com,Cy,,,,,,,,\n"
    )
    job = imports.import_preview(user=manager, filename="a.csv", raw=text.encode())
    assert (job.created_count, job.updated_count, job.errors) == (2, 1, [])
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.percent == 100
    assert Prospect.objects.count() == 3
    existing.refresh_from_db()
    assert (existing.title, existing.stage, existing.do_not_contact) == ("CTO", "deciding", True)
    assert existing.owner == rep, "an update without an owner column keeps the owner"
    bo = Prospect.objects.get(email="bo@acme.example")
    assert (bo.last_name, bo.owner, bo.open_question) == ("Berg", teammate, "What does it cost?")
    assert bo.account == existing.account, "one buying group: both moved to Acme"
    assert (bo.account.name, bo.account.domain) == ("Acme", "acme.example")
    assert Account.objects.filter(name="Acme").count() == 1
    assert Prospect.objects.get(email="cy@gmail.com").account is None


def test_imported_people_joining_a_known_buying_group_get_a_welcome_follow_up(
    rep, django_capture_on_commit_callbacks
):
    from concierge import events as concierge_events
    from concierge.models import FollowUp
    from prospects.models import ProspectEvent
    from tests.factories import PlaybookFactory, PlaybookStepFactory

    playbook = PlaybookFactory(trigger=ProspectEvent.Kind.NEW_GROUP_MEMBER)
    PlaybookStepFactory(playbook=playbook, kind="make_introduction", delay_days=1)
    ProspectFactory(owner=rep, email="ana@acme.example", account__name="Acme")
    text = HEADER + (
        "bo@acme.example,Bo,,Acme,,,,,,\n"  # joins Ana's group
        "cy@newco.example,Cy,,Newco,,,,,,\n"  # a whole new group: no one joined anyone
        "di@newco.example,Di,,Newco,,,,,,\n"
        "ed@gmail.com,Ed,,,,,,,,\n"
    )
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    job.mark(ProspectImport.Status.QUEUED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        imports.import_run(job.pk)
    bo = Prospect.objects.get(email="bo@acme.example")
    assert list(ProspectEvent.objects.values_list("kind", "prospect_id")) == [
        (ProspectEvent.Kind.NEW_GROUP_MEMBER, bo.pk)
    ]
    assert callbacks, "expansion is enqueued after the import commits"
    assert concierge_events.events_sweep(older_than=timedelta(0)) == 1
    assert FollowUp.objects.get().prospect == bo


def test_another_teams_person_becomes_this_teams_own_record_without_a_hint(rep, outside_prospect):
    text = HEADER + f"{outside_prospect.email},Olga,Ours,,,,,,,\n"
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    assert (job.created_count, job.updated_count, job.errors) == (1, 0, [])
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    ours = Prospect.objects.get(email=outside_prospect.email, team=rep.team)
    assert (ours.owner, ours.last_name) == (rep, "Ours")
    outside_prospect.refresh_from_db()
    assert outside_prospect.last_name == "Outside", "their record is untouched"


def test_rep_cannot_overwrite_a_teammates_prospect(rep, teammates_prospect):
    text = HEADER + f"{teammates_prospect.email},Hijack,,,,,,,,\n"
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    assert job.errors == [
        {
            "row": 2,
            "column": "email",
            "message": "This person is a teammate's prospect: ask them or your manager to update it.",
        }
    ]


def test_rows_that_became_invalid_fail_the_whole_import(rep, teammate):
    text = HEADER + "ana@acme.example,Ana,,,,,,,,\nbo@acme.example,Bo,,,,,,,,\n"
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    assert job.errors == []
    ProspectFactory(owner=teammate, email="bo@acme.example")  # a teammate added them meanwhile
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "nothing was imported" in job.message
    assert not Prospect.objects.filter(email="ana@acme.example").exists()


@pytest.fixture
def unreachable_broker():
    with broker_unreachable():
        yield


def test_broker_down_is_said_plainly_and_nothing_is_imported(client, rep, unreachable_broker):
    client.force_login(rep)
    upload(client, HEADER + "ana@acme.example,Ana,,,,,,,,\n")
    job = ProspectImport.objects.get()
    response = client.post(reverse("prospects:import_confirm", args=[job.pk]), follow=True)
    assert "queue could not be reached, so nothing has been imported" in response.text
    assert "Try again" in response.text
    job.refresh_from_db()
    assert job.status == "not_queued"
    assert not Prospect.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_file_imports_in_a_worker_with_progress(client, rep):
    require_broker()
    purge_queue()
    rows = "".join(
        f"person{n}@company{n % 300}.example,Person,{n},Company {n % 300},,,,,,\n"
        for n in range(3000)
    )
    client.force_login(rep)
    upload(client, HEADER + rows)
    job = ProspectImport.objects.get()
    assert job.created_count == 3000 and job.errors == []
    client.post(reverse("prospects:import_confirm", args=[job.pk]))
    progress_url = reverse("prospects:import_detail", args=[job.pk])
    assert 'hx-trigger="every 1s"' in client.get(progress_url, HTTP_HX_REQUEST="true").text
    with celery_worker(name="import"):
        wait_for(lambda: ProspectImport.objects.get(pk=job.pk).status == "done", timeout=90,
                 what="the import to finish")  # fmt: skip
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true").text
    assert "Imported: 3,000 new prospects" in fragment
    assert "every 1s" not in fragment, "polling stops when the import is done"
    assert Prospect.objects.filter(owner=rep).count() == 3000
    assert Account.objects.count() == 300


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_files_check_runs_in_a_worker_with_progress(client, rep, monkeypatch):
    require_broker()
    purge_queue()
    monkeypatch.setattr(imports, "PREVIEW_IN_REQUEST_ROWS", 100)
    rows = "".join(f"person{n}@acme.example,Person,{n},Acme,,,,,,\n" for n in range(400))
    rows += "not-an-email,Bad,,Acme,,,,,,\n"
    client.force_login(rep)
    page = upload(client, HEADER + rows)
    job = ProspectImport.objects.get()
    assert job.status == "previewing" and job.total_rows == 401
    assert "Checking the file; nothing is saved" in page.text and 'role="progressbar"' in page.text
    early = client.post(reverse("prospects:import_confirm", args=[job.pk]), follow=True)
    assert "still being checked" in early.text
    progress_url = reverse("prospects:import_detail", args=[job.pk])
    with celery_worker(name="check"):
        wait_for(lambda: ProspectImport.objects.get(pk=job.pk).status == "previewed", timeout=60,
                 what="the check to finish")  # fmt: skip
    job.refresh_from_db()
    assert (job.created_count, len(job.errors), job.errors[0]["row"]) == (400, 1, 402)
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true").text
    assert "<strong>400</strong> new prospects" in fragment
    assert "Download the 1 row to fix" in fragment and "every 1s" not in fragment
    assert not Prospect.objects.exists(), "a check writes nothing"


def test_without_a_worker_a_large_file_is_checked_while_you_wait(
    client, rep, unreachable_broker, monkeypatch
):
    monkeypatch.setattr(imports, "PREVIEW_IN_REQUEST_ROWS", 2)
    client.force_login(rep)
    upload(client, HEADER + "".join(f"p{n}@acme.example,P,{n},Acme,,,,,,\n" for n in range(5)))
    job = ProspectImport.objects.get()
    assert (job.status, job.created_count, job.errors) == ("previewed", 5, [])


def test_the_upload_page_lists_your_recent_imports_without_reading_their_files(
    client, rep, teammate, django_assert_num_queries, session_queries
):
    from prospects.models import ProspectImport

    big = "email,first_name\n" + "\n".join(f"p{n}@example.org,P{n}" for n in range(2000))
    for n in range(3):
        ProspectImport.objects.create(uploaded_by=rep, filename=f"mine-{n}.csv", content=big,
                                      total_rows=2000, errors=[{"row": 2, "errors": ["x"]}])  # fmt: skip
    ProspectImport.objects.create(uploaded_by=teammate, filename="theirs.csv", content=big)
    client.force_login(rep)
    # session (unless cached), user with role, the recent imports, follow-ups due (badge),
    # unread notices (the bell)
    with django_assert_num_queries(4 + session_queries) as queries:
        page = client.get(reverse("prospects:import_upload")).text
    assert "mine-2.csv" in page and "2000 rows" in page and "theirs.csv" not in page
    imports_sql = next(q["sql"] for q in queries.captured_queries if "prospectimport" in q["sql"])
    assert '"content"' not in imports_sql, "the files stay in the database"
