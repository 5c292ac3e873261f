"""A physiotherapist's referral journey in Chromium."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lbp_pathway.access import Role
from referrals import rules
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, EpisodeFactory, PatientFactory, UserFactory
from tests.referrals.factories import DestinationFactory, PostalCodeFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_physio_accepts_a_rapid_access_referral_overrides_a_match_and_prints_the_letter(page):
    physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt-browser")
    PostalCodeFactory(code="K7L", latitude=44.231, longitude=-76.495)
    PostalCodeFactory(code="K8N", latitude=44.17, longitude=-77.38)
    DestinationFactory(
        name="Kingston Rapid Access Clinic",
        kind=rules.RAC_LBP,
        eligibility_program="rac_lbp",
        latitude=44.232,
        longitude=-76.49,
    )
    DestinationFactory(
        name="Belleville Rapid Access Clinic",
        kind=rules.RAC_LBP,
        eligibility_program="rac_lbp",
        latitude=44.17,
        longitude=-77.38,
    )
    DestinationFactory(name="Near home physio", latitude=44.235, longitude=-76.52)
    DestinationFactory(name="Physio near work", latitude=44.171, longitude=-77.381)
    eligible = EpisodeFactory(
        patient=PatientFactory(first_name="Ada", last_name="Eligible", postal_code="K7L 2B2"),
        physiotherapist=physio,
        status="in_care",
    )
    commuter = EpisodeFactory(
        patient=PatientFactory(first_name="Cy", last_name="Commuter", postal_code="K7L 4C4"),
        physiotherapist=physio,
        status="in_care",
    )

    sign_in(page, "pt-browser", TEST_PASSWORD)
    page.wait_for_url("**/physio/")

    # Routing review for the eligible patient: leg-dominant, 10 weeks, surgical candidate.
    page.goto(f"/referrals/episode/{eligible.pk}/")
    started = (timezone.localdate() - timedelta(weeks=10)).isoformat()
    page.get_by_label("Symptoms started on").fill(started)
    page.get_by_label("Leg-dominant pain").check()
    page.get_by_label("Possible surgical or injection candidate").check()
    page.get_by_label("Not improving despite care").check()
    page.get_by_role("button", name="Suggest destinations").click()
    suggestion = page.get_by_test_id("suggestion").filter(has_text="Rapid Access Clinic for LBP")
    assert "Eligible for the Rapid Access Clinic" in suggestion.inner_text()

    # Accept: the nearest clinic is the match.
    suggestion.get_by_role("button", name="Accept Rapid Access Clinic for LBP").click()
    page.wait_for_url(re.compile(r"/new/rac_lbp/"))
    first_row = page.get_by_test_id("matches").locator("tbody tr").first
    assert "Kingston Rapid Access Clinic" in first_row.inner_text()
    page.get_by_role("button", name="Create draft referral").click()
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Referral to Kingston Rapid Access Clinic"
    )
    referral = Referral.objects.get(episode=eligible)
    assert referral.kind == rules.RAC_LBP and not referral.overridden

    # Print the letter, and fetch the PDF.
    page.get_by_role("link", name="Letter (print)").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Referral letter"
    assert "Leg-dominant pain for 10 weeks despite care" in page.inner_text("main")
    pdf_href = page.get_by_role("link", name="Download PDF").get_attribute("href")
    pdf = page.request.get(pdf_href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # The commuter prefers a clinic near work: override the match, with the reason.
    page.goto(f"/referrals/episode/{commuter.pk}/new/{rules.COMMUNITY_PHYSIO}/")
    first_row = page.get_by_test_id("matches").locator("tbody tr").first
    assert "Near home physio" in first_row.inner_text()
    page.get_by_role("radio", name=re.compile("Physio near work")).check()
    page.get_by_label("Reason for referral").fill("Medium-risk back pain, course of physio")
    page.get_by_role("button", name="Create draft referral").click()
    assert "give the reason" in page.inner_text("main")
    page.get_by_label("Reason for not choosing the first match").select_option("preference")
    page.get_by_label("Override details").fill("Prefers a clinic near work")
    page.get_by_role("button", name="Create draft referral").click()
    assert "Prefers a clinic near work" in page.get_by_test_id("override").inner_text()
    overridden = Referral.objects.get(episode=commuter)
    assert overridden.destination.name == "Physio near work"
    assert overridden.matched_destination.name == "Near home physio"
    assert overridden.override_reason == "preference"

    assert page.csp_violations == []
