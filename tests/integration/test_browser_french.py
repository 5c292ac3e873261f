"""Issue 16, done when: "A browser test switches to French and walks each role's main task and the
patient pages with no English string left on the page." In Chromium on the demo data: each role signs
in in English, presses the FR switch in the menu bar, and opens every page of its menu (its daily
work); a patient switches the self-referral form to French, answers it and reads the thank-you page.
Each page's text is checked as tests/integration/test_french_everywhere.py checks it (the English
catalogue, English function words; records the demo typed in English are not the app's words)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from lbp_pathway.access import Role
from patients.questions import EMERGENCY_QUESTIONS, URGENT_QUESTIONS
from tests.integration.test_demo_smoke import DEMO_USERS
from tests.integration.test_french_everywhere import english_left, english_messages

PASSWORD = "demo-pass-phrase-1"


@pytest.fixture
def demo_data(transactional_db, settings, monkeypatch):
    settings.DEMO_MODE = True
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", "--patients", "20", stdout=StringIO())


def english_on(page) -> list[str]:
    return english_left(page.content(), english_messages())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_role_switches_to_french_and_walks_its_menu_with_no_english_left(
    chromium, live_server, demo_data
):
    left: dict[str, list[str]] = {}
    walked = {}
    try:
        walk_every_role(chromium, live_server, left, walked)
    finally:
        # Playwright's greenlet gave the test body a connection of its own (see the page fixture).
        connections.close_all()
    assert left == {}, "\n".join(f"{where}: {texts}" for where, texts in left.items())
    assert all(len(paths) >= 2 for paths in walked.values()), walked


def walk_every_role(chromium, live_server, left, walked) -> None:
    for role in Role:
        context = chromium.new_context(base_url=live_server.url, locale="en-CA")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(DEMO_USERS[role])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == "en-CA", role
            page.get_by_role("button", name="Français").click()
            page.wait_for_load_state()
            assert page.locator("html").get_attribute("lang") == "fr-CA", role
            menu = page.locator("nav a.nav-link[href^='/']")
            paths = list(dict.fromkeys(menu.evaluate_all("links => links.map(a => a.pathname)")))
            walked[role] = paths
            for path in [page.url.removeprefix(live_server.url), *paths]:
                page.goto(path)
                assert page.locator("html").get_attribute("lang").startswith("fr"), (role, path)
                found = english_on(page)
                if found:
                    left[f"{role.value} {path}"] = found[:6]
        finally:
            context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_patient_refers_themselves_in_french_with_no_english_left(page):
    page.goto("/p/refer/")
    page.get_by_role("button", name="Français").click()
    page.wait_for_url("**/p/refer/")
    assert english_on(page) == []
    page.get_by_label("Décrivez votre mal de dos").fill(
        "Mal au bas du dos depuis trois semaines, pire assis."
    )
    page.locator("input[name='back_pain_main_reason'][value='yes']").check()
    for code in [*EMERGENCY_QUESTIONS, *URGENT_QUESTIONS]:
        page.locator(f"input[name='flag_{code}'][value='no']").check()
    page.get_by_label("Prénom").fill("Solange")
    page.get_by_label("Nom de famille").fill("Ouellet")
    page.get_by_label("Date de naissance").fill("1975-04-09")
    page.get_by_label("Code postal").fill("K7L 3N6")
    page.get_by_label("Numéro de téléphone").fill("613 555 0177")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert "/p/refer/" not in page.url or page.locator(".is-invalid").count() == 0
    assert english_on(page) == []
