"""Browser journey: the physio assesses, plans and signs; the physician finds, searches and reads the note."""

import re

import pytest

from care_episodes.models import Episode
from lbp_pathway.access import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, EpisodeFactory, PatientFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_physio_signs_a_note_and_the_physician_finds_searches_and_reads_it(page):
    physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt_journey")
    physician = UserFactory(role=Role.FAMILY_PHYSICIAN, username="md_journey")
    patient = PatientFactory(first_name="Aline", last_name="Boucher", family_physician=physician)
    episode = EpisodeFactory(
        patient=patient, physiotherapist=physio, status=Episode.Status.BOOKED, risk="medium"
    )

    sign_in(page, physio.username, TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    page.get_by_role("link", name="Aline Boucher").click()
    page.get_by_role("link", name="Start the assessment").click()
    assert "Medium risk" in page.get_by_label("Triage result").inner_text()
    page.locator("#id_presenting_complaint").fill("Central low back pain after shovelling snow")
    page.locator("#id_onset").fill("Ten days ago, shovelling")
    page.get_by_label("Back-dominant pain").check()
    page.locator("#id_work_status").select_option("working_modified")
    page.locator("#id_red_flag_screen").fill("No cauda equina symptoms, no fever, no weight loss.")
    page.locator("#id_straight_leg_raise").select_option("negative")
    page.locator("#id_working_diagnosis").fill("Non-specific mechanical low back pain")
    page.locator("#id_goals").fill("Shovel the driveway without pain")
    page.get_by_role("button", name="Save the assessment").click()
    page.wait_for_url(f"**/physio/episodes/{episode.pk}/")
    assert "Assessment saved." in page.get_by_role("status").first.inner_text()
    assert "Assessed" in page.locator("main").inner_text()

    page.get_by_role("link", name="Write the self-management plan").click()
    page.get_by_label("Staying active helps recovery").check()
    page.get_by_label("Walking programme").check()
    page.locator("#id_goals").fill("Swim twice a week at the aquatic centre")
    page.get_by_role("button", name="Save the plan").click()
    page.wait_for_url(f"**/physio/episodes/{episode.pk}/")

    page.get_by_role("button", name="Draft the consultation note").click()
    page.wait_for_url(re.compile(r".*/physio/notes/\d+/$"))
    body = page.locator("#id_body").input_value()
    assert "Central low back pain after shovelling snow" in body
    assert "aquatic centre" in body
    page.get_by_role("button", name="Sign and send").click()
    page.wait_for_url(f"**/physio/episodes/{episode.pk}/")
    assert "signed" in page.get_by_test_id("timeline").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")

    sign_in(page, physician.username, TEST_PASSWORD)
    page.wait_for_url("**/physician/")
    inbox = page.get_by_test_id("inbox")
    row = inbox.get_by_role("row").filter(has_text="Aline Boucher")
    assert "Unread" in row.inner_text()
    row.get_by_role("link", name=re.compile("Physiotherapy consultation")).click()
    assert "Shovel the driveway without pain" in page.get_by_test_id("note-body").inner_text()
    page.get_by_role("link", name="Back to the inbox").click()

    page.get_by_label("Search notes").fill("aquatic")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/physician/?q=aquatic")
    results = page.get_by_test_id("inbox")
    assert results.get_by_role("row").count() == 2  # header + the one note
    results.get_by_role("link", name=re.compile("Physiotherapy consultation")).click()
    page.get_by_role("button", name="Mark as read").click()
    page.wait_for_url("**/physician/")
    row = page.get_by_test_id("inbox").get_by_role("row").filter(has_text="Aline Boucher")
    assert "Read" in row.inner_text() and "Unread" not in row.inner_text()
    assert page.csp_violations == []
