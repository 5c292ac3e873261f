"""Browser tests (issue 18): a stale tab's save shows the conflict; a follow-up visit note records
re-measured outcomes shown on the episode; a group session takes three patients and refuses a fourth."""

from datetime import timedelta

import pytest
from django.utils import timezone

from care_episodes.models import Episode, VisitNote
from lbp_pathway.access import Role
from tests.care_episodes.factories import NoteFactory, OutcomeFactory
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, EpisodeFactory, PatientFactory, SiteFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_draft_note_signed_in_another_tab_shows_the_conflict_with_the_typed_text(
    chromium, live_server
):
    physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt_tabs")
    episode = EpisodeFactory(physiotherapist=physio, status=Episode.Status.ASSESSED)
    note = NoteFactory(episode=episode, body="Drafted body")
    tabs = []
    for _ in range(2):
        context = chromium.new_context(base_url=live_server.url)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        sign_in(tab, physio.username, TEST_PASSWORD)
        tab.wait_for_url("**/physio/")
        tab.goto(f"/physio/notes/{note.pk}/")
        tabs.append((context, tab))
    (_, stale), (_, fresh) = tabs
    try:
        fresh.locator("#id_body").fill("Body signed in the other tab")
        fresh.get_by_role("button", name="Sign and send").click()
        fresh.wait_for_url(f"**/physio/episodes/{episode.pk}/")

        stale.locator("#id_body").fill("My careful edit typed in the old tab")
        stale.get_by_role("button", name="Save draft").click()

        conflict = stale.get_by_test_id("conflict")
        assert "signed" in conflict.inner_text()
        versions = stale.get_by_test_id("conflict-versions").inner_text()
        assert "Body signed in the other tab" in versions
        assert "My careful edit typed in the old tab" in versions
        assert "My careful edit" in stale.locator("#your-text").input_value()
        note.refresh_from_db()
        assert note.body == "Body signed in the other tab"
    finally:
        for context, _ in tabs:
            context.close()


def test_a_follow_up_visit_note_records_re_measured_outcomes_shown_on_the_episode(page):
    physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt_visit")
    patient = PatientFactory(first_name="Mireille", last_name="Gagnon")
    episode = EpisodeFactory(
        patient=patient, physiotherapist=physio, status=Episode.Status.IN_CARE, risk="medium"
    )
    OutcomeFactory(
        episode=episode, measured_on=timezone.localdate() - timedelta(days=21), nprs=7, rmdq=15
    )
    sign_in(page, physio.username, TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    page.goto(f"/physio/episodes/{episode.pk}/")
    page.get_by_role("link", name="Record a follow-up visit").click()
    page.get_by_label("Subjective").fill("Walking 30 minutes without leg pain")
    page.get_by_label("Treatment given").fill("Progressed hip hinge and walking programme")
    page.get_by_label("Response to treatment").fill("Less stiffness after exercises")
    page.get_by_label("Pain now (NPRS 0-10)").fill("3")
    page.get_by_label("RMDQ total (0-24)").fill("6")
    page.get_by_role("button", name="Save and sign").click()
    page.wait_for_url(f"**/physio/episodes/{episode.pk}/")

    timeline = page.get_by_test_id("timeline").inner_text()
    assert "re-measured NPRS 3, RMDQ 6" in timeline
    assert "Progressed hip hinge" in page.get_by_test_id("visits").inner_text()
    outcomes = page.locator("section", has=page.locator("#outcomes-heading")).inner_text()
    assert "Other" in outcomes  # the re-measure's timepoint, beside the baseline
    visit = VisitNote.objects.get(episode=episode)
    assert visit.is_signed and visit.outcomes.get().rmdq == 6
    assert page.csp_violations == []


def test_a_group_session_takes_three_patients_and_refuses_a_fourth(page):
    desk = UserFactory(role=Role.FRONT_DESK, username="fd_groups")
    leader = UserFactory(
        role=Role.PHYSIOTHERAPIST, username="pt_leader", first_name="Lea", last_name="Roy"
    )
    site = SiteFactory(name="Group Site Princess Street")
    names = ["Abel", "Berthe", "Cyril", "Dalia"]
    for first in names:
        PatientFactory(first_name=first, last_name="Ostrowski")

    sign_in(page, desk.username, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/frontdesk/groups/")
    page.get_by_label("Kind of class").select_option("exercise")
    page.get_by_label("Title").fill("Back exercise class")
    page.get_by_label("Site").select_option(label=site.name)
    page.get_by_label("Led by").select_option(str(leader.pk))
    start = timezone.localtime() + timedelta(days=2)
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Places").fill("3")
    page.get_by_role("button", name="Create the session").click()
    page.wait_for_url("**/groups/*/")

    for first in names:
        page.get_by_label("Name, birth date or health card").fill(f"{first} Ostrowski")
        page.get_by_role("button", name="Find").click()
        page.get_by_role("button", name=f"Add {first} Ostrowski").click()
        page.wait_for_load_state()

    assert "3 of 3 places taken" in page.get_by_test_id("places").inner_text()
    assert "This session is full" in page.locator("main").inner_text()
    roster = page.get_by_test_id("roster").inner_text()
    assert all(f"{first} Ostrowski" in roster for first in names[:3])
    assert "Dalia" not in roster

    page.get_by_label("Attendance of Abel Ostrowski").select_option("attended")
    page.get_by_label("Attendance of Berthe Ostrowski").select_option("absent")
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_load_state()
    assert "Attendance saved (2 changed)" in page.locator("main").inner_text()
    assert page.csp_violations == []
