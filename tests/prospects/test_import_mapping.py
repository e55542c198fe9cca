"""Importing the contacts other CRMs export: the columns are matched to our fields (with
suggestions, remembered per header), every row is checked as saving would check it, and the
preview says what each row will do."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospects import imports
from prospects.models import Account, ImportMapping, Prospect, ProspectImport
from tests.factories import AccountFactory, ProspectFactory

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-hubspot-contacts.csv"
SALESFORCE = (
    '"First Name","Last Name","Title","Account Name","Email","Phone","Contact Owner",'
    '"Lead Source"\n'
    '"Ana","Ng","CTO","Acme","ana@acme.example","+1 555 0100","Tess Mate","Webinar"\n'
    '"Bo","Berg","","Acme","bo@acme.example","","","Partner referral"\n'
)


def upload(client, content: bytes, name: str = "contacts.csv"):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("prospects:import_upload"), {"file": file}, follow=True)


def confirm_mapping(client, job, **changes):
    """Post the mapping the page offers, with ``changes`` by column name."""
    data = {f"column_{i}": changes.get(name, job.mapping[i]) for i, name in enumerate(job.header)}
    return client.post(reverse("prospects:import_mapping", args=[job.pk]), data, follow=True)


def test_a_hubspot_export_imports_cleanly_with_the_suggested_mapping(client, rep):
    client.force_login(rep)
    page = upload(client, SAMPLE.read_bytes(), "hubspot.csv")
    job = ProspectImport.objects.get()
    assert job.status == "mapping"
    assert "Match the columns" in page.text and "Brightpath Clinics" in page.text, "samples"
    assert dict(zip(job.header, job.mapping, strict=True)) == {
        "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Company Name": "company", "Job Title": "title", "Phone Number": "phone",
        "Contact owner": "owner", "Lifecycle Stage": "-", "Create Date": "-",
    }  # fmt: skip
    preview = confirm_mapping(client, job).text
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_rows) == ("previewed", 6, 0)
    assert "Import 6 rows" in preview and "Lifecycle Stage" in preview, "left-out columns named"
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    tomas = Prospect.objects.get(email="tomas@harbor-logistics.example")
    assert (tomas.first_name, tomas.title, tomas.owner) == ("Tomás", "Head of Operations", rep)
    assert tomas.account.name == "Harbor Logistics"
    assert Account.objects.get(name="Harbor Logistics").prospects.count() == 2
    priya = Prospect.objects.get(email="priya@northwind-health.example")
    assert priya.title == "Director, Patient Experience"
    assert Prospect.objects.get(email="sofia.lindqvist@gmail.com").account is None


def test_a_salesforce_report_imports_with_owners_matched_by_name(client, manager, teammate):
    teammate.first_name, teammate.last_name = "Tess", "Mate"
    teammate.save()
    client.force_login(manager)
    upload(client, SALESFORCE.encode(), "report.csv")
    job = ProspectImport.objects.get()
    assert job.mapping == ["first_name", "last_name", "title", "company", "email", "phone",
                           "owner", "source"]  # fmt: skip
    confirm_mapping(client, job)
    job.refresh_from_db()
    assert (job.created_count, job.error_rows) == (2, 0)
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    ana = Prospect.objects.get(email="ana@acme.example")
    assert (ana.owner, ana.source, ana.phone) == (teammate, "Webinar", "+1 555 0100")
    assert Prospect.objects.get(email="bo@acme.example").owner == manager


def test_the_teams_mapping_is_remembered_for_the_next_file_with_that_header(client, rep, teammate):
    client.force_login(rep)
    upload(client, SAMPLE.read_bytes())
    first = ProspectImport.objects.get()
    confirm_mapping(client, first, **{"Job Title": "-", "Lifecycle Stage": "source"})
    assert ImportMapping.objects.get().mapping[4:8] == ["-", "phone", "owner", "source"]
    client.force_login(teammate)  # the same team, another day, the same kind of file
    page = upload(client, SAMPLE.read_bytes().replace(b"First Name", b"first  name"))
    second = ProspectImport.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert second.mapping == first.mapping and second.mapping_remembered
    assert "choices your team made for the last file with the same columns" in page.text


def test_an_unknown_owner_is_a_row_error_not_a_silent_reassignment(client, manager, teammate):
    client.force_login(manager)
    text = (
        "Email,First Name,Owner\n"
        f"a@acme.example,A,{teammate.email.upper()}\n"
        "b@acme.example,B,Nobody Known\n"
    )
    page = upload(client, text.encode())
    job = ProspectImport.objects.get()
    assert job.status == "mapping"
    page = confirm_mapping(client, job).text
    job.refresh_from_db()
    assert (job.created_count, job.error_rows) == (1, 1)
    assert "“Nobody Known” is not someone you can assign to." in page


def test_a_semicolon_file_saved_as_windows_1252_is_read_and_said_so(client, rep):
    client.force_login(rep)
    text = "email;first_name;last_name;company\nrene@cafe.example;René;Müller;Café Crème\n"
    page = upload(client, text.encode("cp1252"))
    job = ProspectImport.objects.get()
    assert (job.delimiter, job.encoding, job.status) == (";", "windows-1252", "previewed")
    assert "read as Windows-1252" in page.text and "semicolon-separated" in page.text
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    rene = Prospect.objects.get()
    assert (rene.first_name, rene.last_name, rene.account.name) == ("René", "Müller", "Café Crème")


def test_a_tab_separated_file_is_read(rep):
    text = "Email\tFirst name\tTitle\nana@acme.example\tAna\tHead, of things\n"
    job = imports.import_preview(user=rep, filename="a.tsv", raw=text.encode())
    assert (job.delimiter, job.created_count, job.error_rows) == ("\t", 1, 0)


def test_webhooks_hear_of_each_person_an_import_adds_and_of_no_update(client, rep):
    from empathy_crm.models import OutboxEvent

    ProspectFactory(owner=rep, email="ana@acme.example", first_name="Ana", title="")
    client.force_login(rep)
    upload(client, SALESFORCE.encode(), "salesforce.csv")
    job = ProspectImport.objects.get()
    confirm_mapping(client, job, **{"Contact Owner": "-"})
    job.refresh_from_db()
    assert (job.created_count, job.updated_count) == (1, 1)
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    events = OutboxEvent.objects.filter(topic=OutboxEvent.Topic.PROSPECT_CREATED)
    assert [e.payload["email"] for e in events] == ["bo@acme.example"]
    assert events.get().payload["id"] == Prospect.objects.get(email="bo@acme.example").pk


def test_our_export_imports_back_as_unchanged(client, rep, teammate):
    acme = AccountFactory(name="Acme", domain="acme.example", team=rep.team)
    for n in range(3):
        ProspectFactory(owner=rep, email=f"p{n}@acme.example", phone="+1 555 0100",
                        title="=SUM(A1)", account=acme, do_not_contact=bool(n % 2),
                        timezone="Europe/Berlin")  # fmt: skip
    client.force_login(rep)
    export = client.get(reverse("prospects:prospect_export"))
    content = b"".join(export.streaming_content)
    page = upload(client, content, "prospects.csv")
    job = ProspectImport.objects.get()
    assert job.status == "previewed", "our own columns need no mapping"
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 3)
    assert "everyone in the file is here as the file says" in page.text
    assert "the app works them out from conversations" in page.text  # computed columns


def test_import_the_good_rows_and_download_the_bad_ones(client, rep):
    client.force_login(rep)
    text = (
        "email,first_name,stage\n"
        "ana@acme.example,Ana,exploring\n"
        "bad-email,Bo,exploring\n"
        "cy@acme.example,Cy,qualified\n"
        "di@acme.example,Di,Building the case\n"
    )
    upload(client, text.encode())
    job = ProspectImport.objects.get()
    assert (job.created_count, job.error_rows) == (2, 2)
    refused = client.post(reverse("prospects:import_confirm", args=[job.pk]), follow=True)
    assert "Fix the rows listed below" in refused.text, "all or nothing by default"
    bad = client.get(reverse("prospects:import_bad_rows", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(bad.content.decode("utf-8-sig"))))
    assert rows[0] == ["email", "first_name", "stage", "Error"]
    assert [row[:3] for row in rows[1:]] == [["bad-email", "Bo", "exploring"],
                                             ["cy@acme.example", "Cy", "qualified"]]  # fmt: skip
    assert "email: Enter a valid email address." in rows[1][3]
    assert "stage: Select a valid choice" in rows[2][3]
    client.post(reverse("prospects:import_confirm", args=[job.pk]), {"good_rows_only": "1"})
    job.refresh_from_db()
    assert job.good_rows_only and job.status == "queued"
    imports.import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_rows) == ("done", 2, 2)
    assert sorted(Prospect.objects.values_list("email", "stage")) == [
        ("ana@acme.example", "exploring"), ("di@acme.example", "building_case")
    ]  # fmt: skip


def test_every_constraint_is_checked_in_the_preview(client, rep):
    ProspectFactory(owner=rep, email="known@acme.example", first_name="Known", title="Same")
    rows = [
        "known@acme.example,Known,Same,,,",  # unchanged
        "KNOWN@acme.example,Known,Again,,,",  # the same person twice in the file
        f"long@acme.example,Long,{'x' * 151},,,",  # longer than a title can be
        "tz@acme.example,Tz,,Mars/Olympus,,",  # no such time zone
        f"co@acme.example,Co,,,{'c' * 201},",  # longer than an account name can be
        "dnc@acme.example,Dnc,,,,maybe",  # not yes or no
    ]
    text = "email,first_name,title,timezone,company,do_not_contact\n" + "\n".join(rows)
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    problems = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert set(problems) == {(3, "email"), (4, "title"), (5, "timezone"), (6, "company"),
                             (7, "do_not_contact")}  # fmt: skip
    assert problems[(3, "email")] == "known@acme.example is also on row 2: keep one row per person."
    assert "at most 150 characters" in problems[(4, "title")]
    assert "is not a time zone we know" in problems[(5, "timezone")]
    assert (job.unchanged_count, job.error_rows) == (1, 5)


def test_the_error_count_is_exact_beyond_the_listed_errors(client, rep):
    client.force_login(rep)
    text = "email,first_name\n" + "".join(f"bad{n},B\n" for n in range(1_050))
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    assert (job.error_count, job.error_rows, len(job.errors)) == (1_050, 1_050, 1_000)
    page = client.get(reverse("prospects:import_detail", args=[job.pk]) + "?show=error&page=21")
    assert "1,050</strong> rows with errors" in page.text and "Page 21 of 21" in page.text
    assert "<td>1051</td>" in page.text, "the last row is listed too"


def test_the_preview_pages_through_rows_and_filters_them(client, rep):
    for n in range(30):
        ProspectFactory(owner=rep, email=f"old{n}@acme.example", first_name="Ex", title="Old")
    lines = [f"old{n}@acme.example,Old,New title" for n in range(30)]
    lines += [f"new{n}@acme.example,New," for n in range(40)]
    client.force_login(rep)
    upload(client, ("email,first_name,title\n" + "\n".join(lines)).encode())
    job = ProspectImport.objects.get()
    url = reverse("prospects:import_detail", args=[job.pk])
    updates = client.get(url + "?show=update").text
    assert updates.count("Changes First name, Job title") == 30 and "Updates (30)" in updates
    assert "Page 1 of 2" in client.get(url).text
    assert "new39@acme.example" in client.get(url + "?page=2").text


def test_another_users_upload_is_not_found(client, rep, teammate):
    job = imports.import_preview(
        user=rep, filename="a.csv", raw=b"email,first_name\na@b.example,A\n"
    )
    client.force_login(teammate)
    for name in ("import_mapping", "import_bad_rows", "import_detail"):
        assert client.get(reverse(f"prospects:{name}", args=[job.pk])).status_code == 404


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.lists(st.lists(st.sampled_from(["Email", "first name", "a@b.example", "=x", "", ";",
                                           "\t", '"', "é", "Owner", "x" * 300, "\r\n"]),
                          max_size=6), max_size=6)
        .map(lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8")),
    ),
    encoding_mapping=st.booleans(),
)  # fmt: skip
def test_any_upload_gets_an_answer_never_a_500(client, rep, content, encoding_mapping):
    client.force_login(rep)
    response = upload(client, content)
    assert response.status_code == 200
    job = ProspectImport.objects.filter(uploaded_by=rep).order_by("-pk").first()
    if job and job.status == "mapping" and encoding_mapping:
        assert confirm_mapping(client, job).status_code == 200


@pytest.mark.parametrize(
    ("header", "field"),
    [("E-mail Address", "email"), ("Person - Email - Work", "email"), ("Organization", "company"),
     ("Person - Owner", "owner"), ("Website", "company_domain"), ("  JOB   TITLE ", "title"),
     ("feeling_trend", "-"), ("Name", "full_name")],
)  # fmt: skip
def test_headers_of_other_crms_are_recognised(header, field):
    assert imports.suggest_mapping([header]) == [field]


def test_a_full_name_column_is_split(rep):
    text = "Name,Email\nMaria de la Cruz,maria@acme.example\n"
    job = imports.import_preview(user=rep, filename="pipedrive.csv", raw=text.encode())
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    maria = Prospect.objects.get()
    assert (maria.first_name, maria.last_name) == ("Maria de la", "Cruz")


def test_an_email_domain_longer_than_an_account_domain_still_saves(rep):
    domain = ".".join(["d" * 60] * 4) + ".example"  # a valid email domain of 252 characters
    text = f"email,first_name,company\nx@{domain},X,Long Co\n"
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    assert (job.created_count, job.error_rows) == (1, 0)
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert Prospect.objects.get().account.name == "Long Co"


def test_a_time_zone_is_spelt_as_the_prospect_form_spells_it(rep):
    text = "email,first_name,timezone\nana@acme.example,Ana,europe/berlin\n"
    job = imports.import_preview(user=rep, filename="a.csv", raw=text.encode())
    job.mark(ProspectImport.Status.QUEUED)
    imports.import_run(job.pk)
    assert Prospect.objects.get().timezone == "Europe/Berlin"
