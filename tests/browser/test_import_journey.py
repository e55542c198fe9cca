"""A new admin brings their HubSpot contacts: upload, check the suggested columns, preview
row by row, import; a bad row is left out and downloaded to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from empathy_crm.celery import app
from prospects.models import Prospect
from tests.browser.steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-hubspot-contacts.csv"


@pytest.fixture
def runs_in_place():
    """The import's task runs in the request, as a worker would run it."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def at_width(page, width: int, screenshot, name: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    screenshot(page, f"{name}-{width}")


def test_hubspot_contacts_are_mapped_previewed_and_imported(
    page, rep, screenshot, runs_in_place, tmp_path
):
    bad = tmp_path / "hubspot.csv"
    bad.write_bytes(SAMPLE.read_bytes() + b"Nina,Bad,not-an-email,Acme,,,,lead,2026-11-11\n")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "rep")
    page.goto("/prospects/import/")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("heading", name="Match the columns: hubspot.csv").wait_for()
    assert page.get_by_label("Company Name").input_value() == "company"
    assert page.get_by_label("Lifecycle Stage").input_value() == "-"
    assert page.get_by_text("Brightpath Clinics").first.is_visible(), "sample values shown"
    at_width(page, 1366, screenshot, "import-mapping")
    at_width(page, 390, screenshot, "import-mapping")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("Job Title").select_option("-")  # the user's own choice
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_text("6 new prospects").wait_for()
    assert "1 row with errors" in page.locator("#progress").inner_text()
    assert page.get_by_text("Enter a valid email address.").is_visible()
    at_width(page, 1366, screenshot, "import-preview")
    at_width(page, 390, screenshot, "import-preview")
    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the 1 row to fix").click()
    assert "not-an-email" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    page.get_by_role("button", name="Import the 6 good rows only").click()
    page.get_by_text("Imported: 6 new prospects").wait_for()
    assert "1 row with errors was left out" in page.locator("#progress").inner_text()
    at_width(page, 1366, screenshot, "import-done")
    assert Prospect.objects.filter(owner=rep).count() == 6
    assert set(Prospect.objects.values_list("title", flat=True)) == {""}, "Job Title left out"
