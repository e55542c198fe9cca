"""The export opened in a spreadsheet runs no formula, and the export imported again gives
back every value exactly as it was: a phone "+1 555 0100" stays "+1 555 0100"."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from prospects import imports
from prospects.models import Prospect
from tests.factories import ProspectFactory

# Beginnings a spreadsheet treats specially, and values that look like them but are data.
TRICKY = ["=", "+", "-", "@", "'", "''", "'=", " =", "\t", "\r", "\n", " @", "+1 555 0100",
          "-12.5", "+44 (20) 7946-0958", "=HYPERLINK(", "-2+3+cmd|' /C calc'!A0", "@SUM(",
          "+a", "-", "'-1", "＝"]  # fmt: skip
texts = st.builds(lambda head, tail: head + tail, st.sampled_from(["", *TRICKY]), st.text())


def spreadsheet_runs(cell: str) -> bool:
    """Would Excel, LibreOffice or Google Sheets evaluate this cell? A leading apostrophe
    marks text; otherwise a cell runs when, after whitespace (a leading tab or carriage
    return is dropped by some), it starts with "=" or "@", or with "+" or "-" and holds
    anything but digits and number punctuation (letters name cells and functions)."""
    if cell.startswith("'"):
        return False
    if cell[:1] in ("\t", "\r"):
        return True
    head = cell.lstrip()
    if head[:1] in ("=", "@"):
        return True
    if head[:1] in ("+", "-"):
        rest = head[1:]
        return not (any(c.isascii() and c.isdigit() for c in rest)
                    and all(c in "0123456789 .,()/-" for c in rest))  # fmt: skip
    return False


@settings(max_examples=2000)
@given(value=texts)
@example(value="+1 555 0100")
@example(value=" =1+1")
@example(value="'=1+1")
def test_an_exported_cell_never_runs_and_imports_as_the_value_it_was(value):
    cell = imports.formula_escape(value)
    assert not spreadsheet_runs(cell)
    assert imports.formula_unescape(cell) == value


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        ("+1 555 0100", "+1 555 0100"),
        ("-12.5", "-12.5"),
        ("+44 (20) 7946-0958", "+44 (20) 7946-0958"),
        ("Head of IT", "Head of IT"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        (" =1+1", "' =1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("+A1", "'+A1"),
        ("\tsomething", "'\tsomething"),
        ("'=1+1", "''=1+1"),  # an apostrophe of their own before a formula stays theirs
        ("'quoted'", "'quoted'"),
    ],
)
def test_only_what_a_spreadsheet_would_run_is_escaped(value, exported):
    assert imports.formula_escape(value) == exported


# What the app keeps in each exported text column: no NUL, no surrounding whitespace (forms
# and the importer strip it), no longer than the column.
def kept(max_size: int, *, required: bool = False):
    values = texts.map(lambda v: v.replace("\x00", "").strip()[:max_size].strip())
    return values.filter(bool) if required else values


@pytest.fixture
def person(rep):
    return ProspectFactory(owner=rep, email="ana@acme.example")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.fixed_dictionaries(
        {
            "first_name": kept(100, required=True),
            "last_name": kept(100),
            "phone": kept(40),
            "title": kept(150),
            "source": kept(100),
            "open_question": kept(2000),
        }
    )
)
@example(values={"first_name": "=Ana", "last_name": "-", "phone": "+1 555 0100",
                 "title": "@head", "source": "'=x", "open_question": "-12.5"})  # fmt: skip
def test_export_then_import_gives_back_every_value(client, rep, person, values):
    Prospect.objects.filter(pk=person.pk).update(**values)
    client.force_login(rep)
    response = client.get(reverse("prospects:prospect_export"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    _, row = csv.reader(io.StringIO(content, newline=""))
    assert not [cell for cell in row if spreadsheet_runs(cell)]

    # Changed meanwhile, so the import has to write each value back (an empty cell leaves
    # a value as it is, so those stay empty).
    Prospect.objects.filter(pk=person.pk).update(**{k: "x" for k, v in values.items() if v})
    plan = imports.plan_import(content, rep)
    assert plan.errors == []
    imports.import_write(plan)
    person.refresh_from_db()
    assert {name: getattr(person, name) for name in values} == values
