"""Journey (issue 17, done when): a referral arrives from a partner's system by the FHIR API, the front
desk books it from the referrals worklist, the physio assesses and signs the consultation note, and
the referring clinician's system reads the note's DocumentReference and its PDF."""

import re

import pytest
from django.test import Client

from fhir_api.models import READ, REFERRAL_WRITE
from intake.models import IncomingReferral
from lbp_pathway.access import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, UserFactory
from tests.fhir_api.conftest import api_for, local, make_partner
from tests.fhir_api.test_referrals import referral_bundle
from tests.intake.conftest import Clinic


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_referral_by_api_is_booked_seen_and_its_note_read_by_the_referrers_system(page):
    Clinic()  # physio1 works at Sydenham Street on Mondays
    UserFactory(role=Role.FRONT_DESK, username="desk", first_name="Dana", last_name="Okafor")
    hub = api_for(make_partner("Kingston eReferral hub", f"{READ} {REFERRAL_WRITE}"))

    sent = hub.post("/fhir/", referral_bundle("hub-2026-0042"))
    assert sent.status_code == 201, sent.content
    referral = IncomingReferral.objects.get()

    sign_in(page, "desk", TEST_PASSWORD)
    page.wait_for_url("**/frontdesk/")
    page.get_by_role("link", name="Referrals in").first.click()
    row = page.locator("tr", has_text="Tremblay")
    assert "Adaeze Okafor" in row.inner_text()
    row.get_by_role("link", name="Book").click()
    page.wait_for_url("**/frontdesk/book/**")
    page.get_by_test_id("slot").first.click()
    page.get_by_role("button", name="Confirm booking").click()
    assert "Booked" in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")

    episode = referral.episode
    sign_in(page, "physio1", TEST_PASSWORD)
    page.wait_for_url("**/physio/")
    page.goto(page.url.split("/physio/")[0] + f"/physio/episodes/{episode.pk}/")
    page.get_by_role("link", name="Start the assessment").click()
    page.locator("#id_presenting_complaint").fill("Low back pain for eight weeks after a move")
    page.locator("#id_onset").fill("Eight weeks ago, carrying boxes")
    page.get_by_label("Back-dominant pain").check()
    page.locator("#id_work_status").select_option("working_full")
    page.locator("#id_red_flag_screen").fill("No cauda equina symptoms, no fever, no weight loss.")
    page.locator("#id_straight_leg_raise").select_option("negative")
    page.locator("#id_working_diagnosis").fill("Non-specific mechanical low back pain")
    page.locator("#id_goals").fill("Carry groceries up the stairs")
    page.get_by_role("button", name="Save the assessment").click()
    page.wait_for_url(f"**/physio/episodes/{episode.pk}/")
    page.get_by_role("button", name="Draft the consultation note").click()
    page.wait_for_url(re.compile(r".*/physio/notes/\d+/$"))
    page.get_by_role("button", name="Sign and send").click()
    page.wait_for_url(f"**/physio/episodes/{episode.pk}/")
    assert "signed" in page.get_by_test_id("timeline").inner_text()
    assert page.csp_violations == []

    documents = hub.get("/fhir/DocumentReference", patient=referral.patient_id).json()["entry"]
    note = documents[0]["resource"]
    assert note["type"]["coding"][0]["code"] == "11488-4"
    assert note["context"]["related"][1]["reference"] == f"ServiceRequest/in-{referral.pk}"
    pdf = hub.get(local(note["content"][0]["attachment"]["url"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A browser session, even the physio's, never reads it.
    browser = Client()
    browser.force_login(episode.physiotherapist)
    assert browser.get(local(note["content"][0]["attachment"]["url"])).status_code == 401
