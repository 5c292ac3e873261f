"""Issue 15, done when: a questionnaire link answered at 6 weeks appears as scored outcomes in the
episode; a used link answers clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lbp_pathway.access import Role
from tests.care_episodes.factories import OutcomeFactory
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, EpisodeFactory, PatientFactory, UserFactory
from tests.followup_measures.factories import invite_token


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_six_week_link_answered_by_the_patient_appears_scored_on_the_episode(page):
    physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt-questionnaire")
    baseline_day = timezone.localdate() - timedelta(days=42)
    episode = EpisodeFactory(
        patient=PatientFactory(consent_email_reminders=True),
        physiotherapist=physio,
        status="in_care",
        risk="medium",
        first_assessed_on=baseline_day,
    )
    OutcomeFactory(episode=episode, measured_on=baseline_day, nprs=7, rmdq=14)
    token = invite_token(episode, "six_weeks")

    page.goto(f"/p/questionnaire/{token}/")
    assert f"Hello {episode.patient.first_name}." in page.content()
    assert episode.patient.last_name not in page.content()
    page.get_by_label("3", exact=True).check()
    page.get_by_label("Item 4 of 24: wording to be loaded by the clinic").check()
    page.get_by_label("Item 11 of 24: wording to be loaded by the clinic").check()
    page.get_by_label("Since your back care started, how has your back changed?").select_option("4")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()

    # The link is used up: opening it again says so.
    page.goto(f"/p/questionnaire/{token}/")
    assert "This questionnaire has already been answered" in page.content()

    sign_in(page, physio.username, TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    page.goto(f"/physio/episodes/{episode.pk}/")
    table = page.get_by_test_id("outcome-table")
    row = table.locator("tbody tr", has_text="6 weeks")
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    # NPRS 7 -> 3 (4 points better), RMDQ 14 -> 2 (12 points better): both meaningful improvements.
    assert cells[0] == "6 weeks"
    assert cells[1].startswith("3") and "improvement" in cells[1].lower()
    assert cells[2].startswith("2") and "improvement" in cells[2].lower()
    assert cells[4] == "4"
