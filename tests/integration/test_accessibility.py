"""WCAG 2.1 AA, checked by axe-core in Chromium on demo data, in English and in French: every page each
role reaches from its navigation and home page (the demo smoke crawl's list), the sign-in page, the
public patient pages (/p/...: self-referral, emergency, learning pages, a booking link, a questionnaire
link) and the error pages. Any serious or critical violation fails the test, named by page, rule and
element. One browser; one context per role and language; a page template is checked once per role and
language (its first address found), not once per patient."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from axe_playwright_python.base import AXE_SCRIPT  # axe-core, bundled (no CDN)
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connections
from django.template.loader import render_to_string
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from care_episodes.models import Episode
from lbp_pathway.access import HOME, Role
from lbp_pathway.audit import SYSTEM
from patients import booking
from tests.followup_measures.factories import invite_token
from tests.integration.test_demo_smoke import DEMO_USERS, crawl

# The WCAG 2.0/2.1 A and AA rules of axe-core; best practices are not part of the check.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
LANGUAGES = {
    "en": {"locale": "en-CA", "extra_http_headers": {"Accept-Language": "en"}},
    "fr": {"locale": "fr-CA", "extra_http_headers": {"Accept-Language": "fr"}},
}
# Files, not pages (PDFs, exports, the health check).
NOT_HTML = (".pdf", ".csv", ".json", ".ics", "/healthz", "/metrics")
# Deliberate, with the reason; anything else serious or critical fails the test.
ACCEPTED = {
    # The outage page promises in its text to try again by itself (Retry-After); there is nothing on
    # it to lose, and tests/foundation/test_healthz.py holds it to the refresh.
    ("/__a11y__/503/", "meta-refresh"),
}
# A form sent empty, to check its error summary and the fields' error messages: role, page, button.
FORMS_WITH_ERRORS = [(Role.FRONT_DESK, "/frontdesk/patients/new/", "Register")]
# Rendered by the server only when something breaks: served in the browser from their templates.
RENDERED_ERROR_PAGES = {
    "/__a11y__/500/": ("500.html", {}),
    "/__a11y__/503/": ("503.html", {"part": "database", "retry_after": 30, "retry_url": "/"}),
}


@pytest.fixture
def demo_data(transactional_db, settings, monkeypatch):
    settings.DEMO_MODE = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-phrase-1")
    call_command("seed_demo", "--patients", "20", stdout=StringIO())


def page_kind(path: str) -> str:
    """One check per page template: /physio/episodes/3/ and /physio/episodes/7/ are the same page."""
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.view_name or path


def staff_pages(role: Role, checked: set[str]) -> list[str]:
    """The role's home page, and each page kind it reaches that no earlier role reached."""
    client = Client()
    client.force_login(User.objects.get(username=DEMO_USERS[role]))
    home = reverse(HOME[role])
    pages, _failures = crawl(client, home)  # failures are the smoke test's job
    listed = [home]
    for path in pages:
        kind = page_kind(path)
        if kind not in checked and not path.endswith(NOT_HTML):
            checked.add(kind)
            listed.append(path)
    # A page of another role (403) and an address that does not exist (404), signed in.
    for kind, path in (("403", "/administration/"), ("404", "/no-such-page/")):
        if kind not in checked and role != Role.ADMINISTRATOR:
            checked.add(kind)
            listed.append(path)
    return listed


def public_pages() -> list[str]:
    patient = Episode.objects.select_related("patient").order_by("pk").first().patient
    _link, book_token = booking.issue_booking_link(
        patient=patient, actor=SYSTEM, url_for=lambda t: f"https://clinic.example/p/book/{t}/"
    )
    episode = Episode.objects.order_by("pk").first()
    pages = [
        reverse("login"),
        reverse("patients:refer"),
        reverse("patients:emergency"),
        reverse("patients:book", args=[book_token]),
        reverse("patients:book", args=["not-a-valid-token"]),
        f"/p/questionnaire/{invite_token(episode, 'six_weeks')}/",
        "/p/questionnaire/not-a-valid-token/",
        "/no-such-page/",
        *RENDERED_ERROR_PAGES,
    ]
    learn, _failures = crawl(Client(), "/p/learn/")
    kinds: dict[str, str] = {}
    for path in learn:
        if path.startswith("/p/learn/"):
            kinds.setdefault(page_kind(path), path)
    return pages + list(kinds.values())


def serve_error_pages(context, language: str) -> None:
    for path, (template, extra) in RENDERED_ERROR_PAGES.items():
        with translation.override(language):
            html = render_to_string(template, extra)

        context.route(f"**{path}", serve(html))


def serve(html: str):
    def fulfil(route):
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    return fulfil


def axe_problems(page, path: str, label: str) -> list[str]:
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    problems = []
    for violation in results["violations"]:
        if violation["impact"] not in FAILING_IMPACTS or (path, violation["id"]) in ACCEPTED:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            html = node["html"][:160].replace("\n", " ")
            why = "; ".join(check["message"] for check in node["any"] + node["all"])
            problems.append(
                f"{label}: {violation['id']} ({violation['impact']}) at {target}: {html} — {why}"
            )
    return problems


def check_all(chromium, live_server, visits) -> tuple[int, list[str]]:
    problems: list[str] = []
    checked = 0
    for language, context_options in LANGUAGES.items():
        for role, paths in visits:
            context = chromium.new_context(base_url=live_server.url, **context_options)
            serve_error_pages(context, language)
            # axe-core in every page from its start (compiled once per context, not sent per page).
            context.add_init_script(script=AXE_SCRIPT)
            if role is not None:
                client = Client()
                client.force_login(User.objects.get(username=DEMO_USERS[role]))
                cookie = client.cookies[settings.SESSION_COOKIE_NAME]
                context.add_cookies(
                    [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
                )
            page = context.new_page()
            page.set_default_timeout(15_000)
            who = role.value if role else "anonymous"
            for path in paths:
                page.goto(path, wait_until="load")
                problems += axe_problems(page, path, f"[{language}] {who} {path}")
                checked += 1
            for form_role, path, button in FORMS_WITH_ERRORS:
                if form_role == role:
                    page.goto(path)
                    page.locator("main form [type=submit]").last.press("Enter")
                    page.get_by_test_id("error-summary").wait_for()
                    label = f"[{language}] {who} {path} sent empty ({button})"
                    problems += axe_problems(page, path, label)
                    checked += 1
            context.close()
    return checked, problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_page_has_no_serious_accessibility_violation_in_english_or_french(
    chromium, live_server, demo_data
):
    started = time.monotonic()
    try:
        visits = [(None, public_pages())]
        kinds: set[str] = set()
        visits += [(role, staff_pages(role, kinds)) for role in Role]
        listed = time.monotonic()
        views, problems = check_all(chromium, live_server, visits)
    finally:
        connections.close_all()
    print(
        f"axe: {sum(len(p) for _, p in visits)} pages listed in {listed - started:.0f} s, "
        f"{views} page views checked in {time.monotonic() - listed:.0f} s"
    )
    assert problems == [], f"{len(problems)} serious or critical violations:\n" + "\n".join(
        problems
    )
