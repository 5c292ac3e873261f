import pytest

from care_episodes.models import Episode
from lbp_pathway.access import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory
from tests.triage.factories import HIGH_RISK_ANSWERS, TriageEpisodeFactory
from triage.models import PhysicianAlert, TriageDecision
from triage.services import EMERGENCY_HOLD

LABELS = {
    "agree": "Agree",
    "disagree": "Disagree",
    "very_much": "Very much",
    "slightly": "Slightly",
}


def answer_items(page, answers):
    for number, answer in enumerate(answers, start=1):
        if answer is None:
            continue
        item = page.locator(f"#sbst-item-{number}")
        if number == 1:
            # Keyboard path: the radios take focus and Space chooses.
            index = 0 if answer == "agree" else 1
            item.locator(f"#id_sb_1_{index}").focus()
            page.keyboard.press("Space")
        else:
            item.get_by_label(LABELS[answer], exact=True).check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_physio_triages_a_high_risk_patient_and_the_page_explains_it(page):
    physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt-browser")
    episode = TriageEpisodeFactory(physiotherapist=physio)
    sign_in(page, physio.username, TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    page.goto(f"/triage/episode/{episode.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Triage: {episode.patient.full_name}"
    )
    assert "Plain-language paraphrase (not the official Keele wording)" in page.content()

    answer_items(page, HIGH_RISK_ANSWERS)
    live = page.get_by_test_id("live-score")
    live.filter(has_text="High risk").wait_for()
    assert "Total 6 of 9" in live.inner_text()

    page.get_by_label("Active WSIB claim").check()
    page.get_by_role("button", name="Record triage").click()
    page.get_by_test_id("triage-result").wait_for()

    result = page.get_by_test_id("triage-result").inner_text()
    assert "High risk: psychosocial subscale 4 of 5 (items 5, 6, 7, 9)" in result
    assert "Psychologically informed physiotherapy" in result
    assert "An active WSIB claim" in result
    decision = TriageDecision.objects.get(episode=episode)
    assert f"rule version {decision.rule_version}" in result
    assert decision.risk == "high"
    assert decision.inputs["start_back"] == HIGH_RISK_ANSWERS
    assert decision.inputs["claims"]["wsib"] is True
    assert decision.decided_by == physio
    assert page.get_by_test_id("decision-history").locator("tbody tr").count() == 1
    assert page.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_physio_records_an_emergency_red_flag_and_the_page_becomes_a_stop(page):
    physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt-browser2")
    episode = TriageEpisodeFactory(physiotherapist=physio)
    sign_in(page, physio.username, TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    page.goto(f"/triage/episode/{episode.pk}/")

    page.get_by_label("New pain, numbness or weakness in both legs").check()
    page.get_by_role("button", name="Record triage").click()
    stop = page.get_by_test_id("emergency-stop")
    stop.wait_for()

    text = stop.inner_text()
    assert "Send to the Emergency Department now" in text
    assert "New pain, numbness or weakness in both legs" in text
    assert "Routine booking is refused for this episode" in text
    assert "has been alerted" in text
    assert page.get_by_test_id("episode-status").inner_text() == "Sent to emergency"

    episode.refresh_from_db()
    assert episode.status == Episode.Status.SENT_TO_EMERGENCY
    assert episode.booking_hold == EMERGENCY_HOLD
    decision = TriageDecision.objects.get(episode=episode)
    assert decision.disposition == "emergency"
    alert = PhysicianAlert.objects.get(episode=episode)
    assert alert.kind == "emergency"
    assert alert.physician == episode.patient.family_physician
    assert page.csp_violations == []
