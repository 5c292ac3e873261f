"""CSV exports cannot carry a spreadsheet formula (issue 14): every cell of every export goes through
one helper, lbp_pathway/csv_export.py; the screen shows the suppressed counts the CSV shows."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from lbp_pathway.csv_export import safe_cell
from tests.dashboards.factories import END, START, assessed
from tests.factories import SiteFactory, UserFactory
from tests.privacy.factories import AuditEventFactory

ROOT = Path(__file__).resolve().parents[2]

# OWASP "CSV injection": a cell starting with these runs as a formula in a spreadsheet.
CELLS = [
    ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@sec_formula", "'@sec_formula"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("Plain text", "Plain text"),
    ("a=1", "a=1"),
    ("", ""),
    ("<5", "<5"),
]


@pytest.mark.parametrize("given, written", CELLS)
def test_a_cell_that_would_start_a_formula_is_written_as_text(given, written):
    assert safe_cell(given) == written


@pytest.mark.parametrize("given", [-3, -1.5, 0, None])
def test_numbers_stay_numbers(given):
    assert safe_cell(given) == given


def test_the_audit_csv_neutralises_a_username_and_every_text_cell(administrator, client_for, db):
    """The issue's request: a user named @sec_formula came out as is."""
    user = UserFactory(username="@sec_formula")
    AuditEventFactory(user=user, what="-2+3", path="/=x/", reason="=HYPERLINK(1)")
    response = client_for(administrator).get(reverse("audit_log_export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = next(r for r in rows if r["username"].endswith("@sec_formula"))
    assert (row["username"], row["what"], row["path"], row["reason"]) == (
        "'@sec_formula",
        "'-2+3",
        "/=x/",
        "'=HYPERLINK(1)",
    )


def test_the_dashboard_csv_neutralises_a_site_name(manager, client_for, db):
    site = SiteFactory(name="=cmd|' /C calc'!A0")
    for wait in (2, 4, 6, 8, 10):
        assessed(site, START, wait)
    response = client_for(manager).get(
        reverse("dashboards:manager_home"),
        {"start": START.isoformat(), "end": END.isoformat(), "export": "wait_by_site"},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["'=cmd|' /C calc'!A0"] == [r[0] for r in rows if "calc" in r[0]]


def test_no_module_writes_csv_but_the_shared_helper():
    """One structural rule: every export goes through lbp_pathway/csv_export.py."""
    writers = []
    for package in ("lbp_pathway", "intake", "triage", "care_episodes", "referrals", "reporting"):
        for path in (ROOT / package).rglob("*.py"):
            if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
                writers.append(str(path.relative_to(ROOT)))
    assert writers == ["lbp_pathway/csv_export.py"]
