"""In Chromium: the privacy officer goes from the administration home to one patient's record export,
downloads the PDF for an access request, and finds the export in the audit log."""

import pytest

from lbp_pathway.access import Role
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD, EpisodeFactory, PatientFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_privacy_officer_downloads_a_patients_record(page):
    UserFactory(role=Role.ADMINISTRATOR, username="privacy-officer", is_staff=True)
    patient = PatientFactory(first_name="Odette", last_name="Tremblay")
    EpisodeFactory(patient=patient)

    sign_in(page, "privacy-officer", TEST_PASSWORD)
    page.wait_for_url("**/administration/")
    page.get_by_role("link", name="Export a patient's record").click()
    page.get_by_label("Patient id").fill(str(patient.pk))
    page.get_by_role("button", name="Continue").click()
    assert "Odette Tremblay" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Access request").fill("Patient's written request, ref. AR-2026-021")
    page.get_by_label("PDF, to give to the patient").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export the record").click()
    saved = download.value
    assert (
        saved.suggested_filename
        == f"patient-{patient.pk}-record-{saved.suggested_filename[-12:-4]}.pdf"
    )
    with open(saved.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    page.get_by_role("link", name="Who accessed this record").click()
    log = page.get_by_role("table").inner_text()
    assert "Whole-record export (PDF)" in log
    assert "AR-2026-021" in log
    assert page.csp_violations == []
