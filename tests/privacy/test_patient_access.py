"""Who may open a patient's record: care, panel, break the glass; every refusal is audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from lbp_pathway.access import (
    ACCESS,
    Area,
    Role,
    Scope,
    access_basis,
    can_view_patient_clinical,
    role_required,
    roles_with,
)
from lbp_pathway.models import AuditEvent, EmergencyAccess
from tests.factories import EpisodeFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.urls("tests.privacy.urls")


@pytest.fixture
def patient(physician):
    return PatientFactory(family_physician=physician)


def chart_url(patient) -> str:
    return reverse("test_chart", args=[patient.pk])


def test_read_only_chart_access_by_front_desk_is_refused_and_audited_as_refused(
    front_desk, patient, client_for
):
    response = client_for(front_desk).get(chart_url(patient))
    assert response.status_code == 403
    assert b"Patient chart" not in response.content and patient.last_name.encode() not in (
        response.content
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.username, event.patient_id) == ("denied", "fd", patient.pk)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMINISTRATOR])
def test_managers_and_administrators_never_see_a_chart(role, patient, client_for):
    user = UserFactory(role=role)
    assert client_for(user).get(chart_url(patient)).status_code == 403
    assert AuditEvent.objects.get().action == "denied"


def test_physio_sees_the_chart_of_a_patient_in_their_care_and_the_view_is_audited(
    physio, patient, client_for
):
    EpisodeFactory(patient=patient, physiotherapist=physio)
    response = client_for(physio).get(chart_url(patient))
    assert response.status_code == 200
    assert patient.full_name in response.content.decode()
    event = AuditEvent.objects.get()
    assert (event.action, event.patient_id, event.reason) == ("view", patient.pk, "in care")


def test_physio_is_refused_a_patient_in_a_colleagues_care_and_offered_break_the_glass(
    physio, patient, client_for
):
    EpisodeFactory(patient=patient, physiotherapist=UserFactory(role=Role.PHYSIOTHERAPIST))
    response = client_for(physio).get(chart_url(patient))
    assert response.status_code == 403
    assert reverse("break_glass", args=[patient.pk]) in response.content.decode()
    assert AuditEvent.objects.get().action == "denied"


def test_physician_sees_their_panel_patient_but_not_another_physicians(
    physician, patient, client_for
):
    other = PatientFactory(family_physician=UserFactory(role=Role.FAMILY_PHYSICIAN))
    client = client_for(physician)
    assert client.get(chart_url(patient)).status_code == 200
    assert client.get(chart_url(other)).status_code == 403
    assert list(AuditEvent.objects.order_by("id").values_list("action", "patient_id")) == [
        ("view", patient.pk),
        ("denied", other.pk),
    ]


def test_episode_pages_find_the_patient_through_the_episode(physician, patient, client_for):
    episode = EpisodeFactory(patient=patient)
    response = client_for(physician).get(reverse("test_episode", args=[episode.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.get().patient_id == patient.pk


def test_a_missing_patient_is_not_found_for_an_allowed_role_and_refused_for_others(
    physician, front_desk, client_for
):
    assert client_for(physician).get(reverse("test_chart", args=[999999])).status_code == 404
    assert client_for(front_desk).get(reverse("test_chart", args=[999999])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_is_shown(client, patient):
    response = client.get(chart_url(patient))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_break_the_glass_opens_the_record_for_a_limited_time_with_every_access_flagged(
    physician, client_for
):
    stranger = PatientFactory(family_physician=UserFactory(role=Role.FAMILY_PHYSICIAN))
    client = client_for(physician)
    assert client.get(chart_url(stranger)).status_code == 403
    response = client.post(
        reverse("break_glass", args=[stranger.pk]),
        {"reason": "Patient in my clinic with new leg weakness", "next": chart_url(stranger)},
    )
    assert response.status_code == 302 and response.url == chart_url(stranger)
    assert client.get(chart_url(stranger)).status_code == 200
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "reason"))
    assert actions[0][0] == "denied"
    assert actions[1] == ("break_glass", "Patient in my clinic with new leg weakness")
    assert actions[2] == ("break_glass", "Patient in my clinic with new leg weakness")
    grant = EmergencyAccess.objects.get()
    assert grant.reviewed_at is None
    EmergencyAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    assert client.get(chart_url(stranger)).status_code == 403


def test_break_the_glass_needs_a_real_reason(physician, client_for):
    stranger = PatientFactory()
    response = client_for(physician).post(
        reverse("break_glass", args=[stranger.pk]), {"reason": "   because  "}
    )
    assert response.status_code == 200
    assert "at least 15 characters" in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert not AuditEvent.objects.filter(action="break_glass").exists()


def test_front_desk_cannot_break_the_glass(front_desk, client_for):
    stranger = PatientFactory()
    response = client_for(front_desk).post(
        reverse("break_glass", args=[stranger.pk]), {"reason": "I would like to read the notes"}
    )
    assert response.status_code == 403
    assert not EmergencyAccess.objects.exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.patient_id) == ("denied", stranger.pk)


def test_privacy_officer_reviews_break_the_glass_grants(administrator, physician, client_for):
    grant = EmergencyAccess.objects.create(
        user=physician,
        patient_id=5,
        reason="Covering the on-call list tonight",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    client = client_for(administrator)
    page = client.get(reverse("break_glass_review")).content.decode()
    assert "Covering the on-call list tonight" in page
    client.post(reverse("break_glass_reviewed", args=[grant.pk]), {"note": "Appropriate"})
    grant.refresh_from_db()
    assert (grant.reviewed_by, grant.review_note) == (administrator, "Appropriate")
    assert (
        "Nothing waiting for review" in client.get(reverse("break_glass_review")).content.decode()
    )


def test_the_matrix_keeps_clinical_records_from_front_desk_managers_and_administrators():
    # Clinicians only: the nurse practitioner refers and follows her patients like a family physician,
    # and the practice lead reviews complex cases (read-only, docs/roles.md).
    assert roles_with(Area.CLINICAL_RECORDS) == {
        Role.PHYSIOTHERAPIST,
        Role.FAMILY_PHYSICIAN,
        Role.NURSE_PRACTITIONER,
        Role.PRACTICE_LEAD,
    }
    assert ACCESS[Role.MANAGER] == {Area.AGGREGATES: Scope.ALL}
    assert Area.TRIAGE_DISPOSITION in ACCESS[Role.FRONT_DESK]


def test_front_desk_sees_demographics_of_any_patient_but_no_clinical_record(front_desk, patient):
    assert access_basis(front_desk, patient, Area.DEMOGRAPHICS) == "role"
    assert not can_view_patient_clinical(front_desk, patient)


def test_an_inactive_account_sees_nothing(physician, patient):
    physician.is_active = False
    assert not can_view_patient_clinical(physician, patient)


def test_a_refused_episode_page_names_the_patient_in_the_audit_log(rf, front_desk):
    episode = EpisodeFactory()

    @role_required(Role.PHYSIOTHERAPIST)
    def notes(request, episode_id):
        raise AssertionError("never reached")

    request = rf.get(f"/episodes/{episode.pk}/notes/")
    request.user, request.resolver_match = front_desk, None
    with pytest.raises(PermissionDenied):
        notes(request, episode_id=episode.pk)
    event = AuditEvent.objects.get()
    assert (event.action, event.patient_id) == ("denied", episode.patient_id)
