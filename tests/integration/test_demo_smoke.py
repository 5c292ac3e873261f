"""With the demo data loaded, every page a role can reach from its menu and home page opens: no server
error, and no link that the role is shown but may not open (403) or that leads nowhere (404). The
pages are exercised on realistic data, not only on hand-made fixtures."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from intake.models import Patient
from lbp_pathway.access import HOME, Role

DEMO_USERS = {
    Role.FRONT_DESK: "frontdesk",
    Role.PHYSIOTHERAPIST: "physio",
    Role.FAMILY_PHYSICIAN: "physician",
    Role.NURSE_PRACTITIONER: "np",
    Role.PRACTICE_LEAD: "lead",
    Role.MANAGER: "manager",
    Role.ADMINISTRATOR: "admin",
}
LINK = re.compile(r'href="(/[^"#?]*)"')
SKIP = ("/static/", "/accounts/logout", "/admin/", "/break-glass/")
MAX_PAGES = 80


@pytest.fixture
def demo(db, settings, monkeypatch):
    settings.DEMO_MODE = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-phrase-1")
    call_command("seed_demo", "--patients", "40", stdout=StringIO())


def crawl(client, home: str) -> tuple[list[str], list[str]]:
    """The pages reachable from `home` (its links and theirs) that the signed-in client may open, in
    the order found, and the links that failed ("path: status"). Also the accessibility crawl's list
    (tests/integration/test_accessibility.py)."""
    seen, frontier, failures = {home}, [home], []
    order = [home]
    for _depth in range(2):  # the home page's links, and the links on those pages
        found = []
        for path in frontier:
            response = client.get(path, follow=True)
            if response.status_code != 200:
                failures.append(f"{path}: {response.status_code}")
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            for link in LINK.findall(response.content.decode()):
                if link not in seen and not link.startswith(SKIP) and len(seen) < MAX_PAGES:
                    seen.add(link)
                    found.append(link)
        order += found
        frontier = found
    for path in frontier:
        response = client.get(path, follow=True)
        if response.status_code != 200:
            failures.append(f"{path}: {response.status_code}")
    return order, failures


@pytest.mark.parametrize("role", list(Role))
def test_every_page_reachable_from_a_roles_home_opens_on_demo_data(role, demo, client):
    client.force_login(User.objects.get(username=DEMO_USERS[role]))
    seen, failures = crawl(client, reverse(HOME[role]))
    assert failures == []
    assert len(seen) >= 5
    print(f"{role.value}: {len(seen)} pages opened")


@pytest.mark.parametrize(
    "role", [Role.PHYSIOTHERAPIST, Role.FAMILY_PHYSICIAN, Role.MANAGER], ids=lambda r: r.value
)
def test_the_demo_gives_each_clinical_and_manager_home_page_something_to_show(role, demo, client):
    """What a person trying the demo notices first: their home page is not empty. (The front desk's
    home lists today's arrivals, which depend on the weekday; its pages are walked above.)"""

    client.force_login(User.objects.get(username=DEMO_USERS[role]))
    params = {}
    if (
        role == Role.MANAGER
    ):  # the last 90 days, not the quarter: on a quarter's first day it is empty
        today = timezone.localdate()
        params = {"start": (today - timedelta(days=90)).isoformat(), "end": today.isoformat()}
    html = client.get(reverse(HOME[role]), params).content.decode()
    named = [p for p in Patient.objects.all() if f"{p.first_name} {p.last_name}" in html]
    if role == Role.MANAGER:
        assert named == []  # aggregates only
        # The wait table's total row: the demo's first assessments of this quarter are counted.
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assessed = re.search(r"All sites (\d+) ", text)
        assert assessed and int(assessed.group(1)) > 0
    else:
        assert named, f"no demo patient on the {role.value} home page"


def test_demo_patients_phone_numbers_are_stored_as_the_patient_form_stores_them(demo):
    """Issue 15: phone numbers in E.164 (+1 and ten digits for Canada), so SMS reminders reach them."""
    phones = list(Patient.objects.exclude(phone="").values_list("phone", flat=True))
    assert phones
    assert [phone for phone in phones if not re.fullmatch(r"\+1[2-9]\d{9}", phone)] == []
