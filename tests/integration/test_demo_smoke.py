"""With the demo data loaded, every page a role can reach from its menu and home page opens: no server
error, and no link that the role is shown but may not open (403) or that leads nowhere (404). The
pages are exercised on realistic data, not only on hand-made fixtures."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from lbp_pathway.access import HOME, Role

DEMO_USERS = {
    Role.FRONT_DESK: "frontdesk",
    Role.PHYSIOTHERAPIST: "physio",
    Role.FAMILY_PHYSICIAN: "physician",
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


@pytest.mark.parametrize("role", list(Role))
def test_every_page_reachable_from_a_roles_home_opens_on_demo_data(role, demo, client):
    client.force_login(User.objects.get(username=DEMO_USERS[role]))
    home = reverse(HOME[role])
    seen, frontier, failures = {home}, [home], []
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
        frontier = found
    for path in frontier:
        response = client.get(path, follow=True)
        if response.status_code != 200:
            failures.append(f"{path}: {response.status_code}")
    assert failures == []
    assert len(seen) >= 5
    print(f"{role.value}: {len(seen)} pages opened")
