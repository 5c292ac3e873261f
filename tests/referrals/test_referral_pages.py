"""Referral pages: suggestions and decisions, matching and overrides, status tracking, the list
with overdue referrals, letters, reports and who may see what."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from referrals import rules, services
from referrals.models import Referral, ReferralSuggestion
from tests.factories import EpisodeFactory, PatientFactory
from tests.referrals.factories import DestinationFactory, PostalCodeFactory, ReferralFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def kingston():
    PostalCodeFactory(code="K7L", latitude=44.231, longitude=-76.495)
    PostalCodeFactory(code="K8N", latitude=44.17, longitude=-77.38)


@pytest.fixture
def episode(physio, physician, kingston):
    patient = PatientFactory(postal_code="K7L 1A1", family_physician=physician)
    return EpisodeFactory(patient=patient, physiotherapist=physio, status="in_care")


def review_data(**overrides):
    data = {
        "symptoms_started_on": (TODAY() - timedelta(weeks=10)).isoformat(),
        "risk": "medium",
        "leg_dominant": "on",
        "surgical_candidate": "on",
        "not_improving": "on",
    }
    data.update(overrides)
    return data


def post_review(client, episode, **overrides):
    return client.post(
        reverse("referrals:episode_referrals", args=[episode.pk]), review_data(**overrides)
    )


def test_a_review_suggests_the_rapid_access_clinic_for_an_eligible_surgical_candidate(
    client_for, physio, episode
):
    client = client_for(physio)
    response = post_review(client, episode)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Rapid Access Clinic for LBP" in page
    assert "Leg-dominant pain for 10 weeks despite care" in page
    suggestion = ReferralSuggestion.objects.get(review__episode=episode, kind=rules.RAC_LBP)
    assert suggestion.decision == "pending"


def test_a_review_with_a_future_onset_is_refused_and_changes_nothing(client_for, physio, episode):
    client = client_for(physio)
    future = (TODAY() + timedelta(days=3)).isoformat()
    response = post_review(client, episode, symptoms_started_on=future)
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not ReferralSuggestion.objects.exists()


def test_declining_a_suggestion_needs_a_reason_and_keeps_it(client_for, physio, episode):
    client = client_for(physio)
    post_review(client, episode)
    suggestion = ReferralSuggestion.objects.get(kind=rules.RAC_LBP)
    url = reverse("referrals:decide", args=[suggestion.pk])
    response = client.post(url, {"decision": "declined", "reason": ""}, follow=True)
    assert "Say why you change or decline" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.decision == "pending"
    client.post(url, {"decision": "declined", "reason": "Patient wants to wait 4 weeks"})
    suggestion.refresh_from_db()
    assert (suggestion.decision, suggestion.decision_reason) == (
        "declined",
        "Patient wants to wait 4 weeks",
    )


def test_changing_a_suggestion_leads_to_matching_for_the_new_kind(client_for, physio, episode):
    client = client_for(physio)
    post_review(client, episode)
    suggestion = ReferralSuggestion.objects.get(kind=rules.RAC_LBP)
    response = client.post(
        reverse("referrals:decide", args=[suggestion.pk]),
        {"decision": "changed", "changed_to_kind": rules.SPINE_SURGEON, "reason": "Known surgeon"},
    )
    assert reverse("referrals:create", args=[episode.pk, rules.SPINE_SURGEON]) in response.url
    suggestion.refresh_from_db()
    assert suggestion.referral_kind == rules.SPINE_SURGEON


def referral_post(destination, **overrides):
    data = {
        "destination": destination.pk,
        "reason": "Leg-dominant pain 10 weeks",
        "question": "Surgical candidate?",
        "findings": "",
        "tried": "Exercise, advice",
        "override_reason": "",
        "override_note": "",
    }
    data.update(overrides)
    return data


def test_choosing_another_destination_than_the_match_needs_a_reason_which_is_stored(
    client_for, physio, episode
):
    near = DestinationFactory(name="Near clinic", latitude=44.235, longitude=-76.52)
    work = DestinationFactory(name="Clinic near work", latitude=44.17, longitude=-77.38)
    client = client_for(physio)
    url = reverse("referrals:create", args=[episode.pk, rules.COMMUNITY_PHYSIO])
    page = client.get(url).content.decode()
    assert page.index("Near clinic") < page.index("Clinic near work")

    refused = client.post(url, referral_post(work))
    assert refused.status_code == 200
    assert "give the reason" in refused.content.decode()
    assert not Referral.objects.exists()

    client.post(url, referral_post(work, override_reason="preference", override_note="Near work"))
    referral = Referral.objects.get()
    assert referral.destination == work
    assert referral.matched_destination == near
    assert (referral.override_reason, referral.override_note) == ("preference", "Near work")
    assert referral.status == rules.DRAFT


def test_matching_from_a_work_postal_code_puts_the_clinic_near_work_first(
    client_for, physio, episode
):
    DestinationFactory(name="Near clinic", latitude=44.235, longitude=-76.52)
    work = DestinationFactory(name="Clinic near work", latitude=44.17, longitude=-77.38)
    client = client_for(physio)
    url = reverse("referrals:create", args=[episode.pk, rules.COMMUNITY_PHYSIO])
    page = client.get(url, {"from_postal_code": "k8n"}).content.decode()
    assert page.index("Clinic near work") < page.index("Near clinic")
    client.post(url, referral_post(work, from_postal_code="K8N"))
    referral = Referral.objects.get()
    assert referral.override_reason == ""
    assert referral.matched_from_postal_code == "K8N"


def test_an_unknown_postal_code_is_explained(client_for, physio, episode):
    url = reverse("referrals:create", args=[episode.pk, rules.COMMUNITY_PHYSIO])
    page = client_for(physio).get(url, {"from_postal_code": "H2X 1Y4"}).content.decode()
    assert "is not in the postal-code table" in page


def test_imaging_outside_the_guideline_needs_a_reason_and_is_flagged(client_for, physio, episode):
    client = client_for(physio)
    post_review(client, episode, surgical_candidate="")
    scanner = DestinationFactory(name="Imaging centre", kind=rules.IMAGING)
    url = reverse("referrals:create", args=[episode.pk, rules.IMAGING])
    refused = client.post(url, referral_post(scanner))
    assert "Imaging outside the guideline needs a stated reason" in refused.content.decode()
    assert not Referral.objects.exists()
    client.post(url, referral_post(scanner, imaging_reason="Patient insists; discussed risks"))
    referral = Referral.objects.get()
    assert referral.imaging_outside_guideline is True


def test_imaging_for_a_surgical_candidate_is_within_the_guideline(client_for, physio, episode):
    client = client_for(physio)
    post_review(client, episode)
    scanner = DestinationFactory(name="Imaging centre", kind=rules.IMAGING)
    client.post(
        reverse("referrals:create", args=[episode.pk, rules.IMAGING]), referral_post(scanner)
    )
    assert Referral.objects.get().imaging_outside_guideline is False


def test_another_physios_episode_is_refused_and_audited(client_for, make_user, episode):
    other = make_user(Role.PHYSIOTHERAPIST, username="other-pt")
    response = client_for(other).get(reverse("referrals:episode_referrals", args=[episode.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied", patient_id=episode.patient_id).exists()


def sent_referral(episode, *, days_ago, kind=rules.RAC_LBP, by=None):
    referral = ReferralFactory(episode=episode, kind=kind, created_by=by or episode.physiotherapist)
    services.move_referral(referral, rules.SENT, by=by, on=TODAY() - timedelta(days=days_ago))
    return referral


def test_status_changes_follow_the_rules_and_are_dated(client_for, physio, episode):
    referral = sent_referral(episode, days_ago=3)
    client = client_for(physio)
    url = reverse("referrals:move", args=[referral.pk])
    response = client.post(url, {"to_status": "seen", "on": TODAY().isoformat()}, follow=True)
    assert "cannot become seen" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == rules.SENT
    yesterday = TODAY() - timedelta(days=1)
    client.post(url, {"to_status": "accepted", "on": yesterday.isoformat(), "note": "Faxed back"})
    referral.refresh_from_db()
    assert referral.status == rules.ACCEPTED
    event = referral.events.last()
    assert (event.from_status, event.to_status, event.on, event.note) == (
        "sent",
        "accepted",
        yesterday,
        "Faxed back",
    )


def test_sending_starts_the_service_level_clock(episode):
    referral = sent_referral(episode, days_ago=0)
    assert referral.due_on == TODAY() + timedelta(days=rules.SLA_DAYS[rules.RAC_LBP])


def test_the_list_highlights_overdue_referrals(
    client_for, physio, episode, django_assert_max_num_queries
):
    overdue = sent_referral(episode, days_ago=40)
    on_time = sent_referral(episode, days_ago=5)
    client = client_for(physio)
    client.get(reverse("referrals:list"))  # warm the session and role cache
    with django_assert_max_num_queries(8):
        page = client.get(reverse("referrals:list")).content.decode()
    assert "1 overdue" in page
    assert page.count("referral-overdue") == 1
    assert overdue.due_on < TODAY() < on_time.due_on


def test_the_list_stays_at_a_fixed_number_of_queries(
    client_for, physio, episode, django_assert_max_num_queries
):
    for days in range(10):
        sent_referral(episode, days_ago=days)
    client = client_for(physio)
    client.get(reverse("referrals:list"))
    with django_assert_max_num_queries(8):
        client.get(reverse("referrals:list"))


def test_the_physician_sees_only_their_panels_referrals(client_for, physician, episode, physio):
    mine = sent_referral(episode, days_ago=1)
    other_patient = PatientFactory(postal_code="K7L")
    theirs = ReferralFactory(
        episode=EpisodeFactory(patient=other_patient, physiotherapist=physio),
        destination=DestinationFactory(name="Somewhere else"),
    )
    client = client_for(physician)
    page = client.get(reverse("referrals:list")).content.decode()
    assert mine.episode.patient.full_name in page
    assert other_patient.full_name not in page
    assert client.get(reverse("referrals:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("referrals:detail", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("referrals:letter", args=[mine.pk])).status_code == 200


def test_the_front_desk_sees_status_only_and_no_letter(client_for, front_desk, episode):
    referral = sent_referral(episode, days_ago=1)
    client = client_for(front_desk)
    page = client.get(reverse("referrals:list")).content.decode()
    assert "Sent" in page
    assert reverse("referrals:detail", args=[referral.pk]) not in page
    assert reverse("referrals:letter", args=[referral.pk]) not in page
    assert client.get(reverse("referrals:letter", args=[referral.pk])).status_code == 403
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 403


def test_the_letter_prints_and_downloads_as_pdf_and_both_are_audited(client_for, physio, episode):
    referral = sent_referral(episode, days_ago=1)
    client = client_for(physio)
    page = client.get(reverse("referrals:letter", args=[referral.pk])).content.decode()
    assert "Reason for referral" in page and referral.question in page
    pdf = client.get(reverse("referrals:letter_pdf", args=[referral.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="print", patient_id=episode.patient_id).count() == 2


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def booked_referral(episode):
    referral = sent_referral(episode, days_ago=10)
    for step in (rules.ACCEPTED, rules.APPOINTMENT_BOOKED):
        services.move_referral(referral, step, by=episode.physiotherapist)
    return referral


def test_an_attached_report_closes_the_loop_and_is_served_only_through_the_checked_view(
    client_for, physio, physician, make_user, episode, media
):
    referral = booked_referral(episode)
    client = client_for(physio)
    upload = SimpleUploadedFile("Smith John consult.pdf", b"%PDF-1.4\nreport\n%%EOF")
    client.post(reverse("referrals:attach_report", args=[referral.pk]), {"report": upload})
    referral.refresh_from_db()
    assert referral.status == rules.REPORT_RECEIVED
    assert [e.to_status for e in referral.events.all()][-2:] == ["seen", "report_received"]
    assert "Smith" not in referral.report.name and referral.report.name.endswith(".pdf")
    assert (media / referral.report.name).exists()
    served = client.get(reverse("referrals:report_file", args=[referral.pk]))
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content).startswith(b"%PDF-")
    assert (
        client_for(physician).get(reverse("referrals:report_file", args=[referral.pk])).status_code
        == 200
    )
    stranger = make_user(Role.PHYSIOTHERAPIST, username="stranger")
    assert (
        client_for(stranger).get(reverse("referrals:report_file", args=[referral.pk])).status_code
        == 403
    )


def test_a_report_that_is_not_pdf_text_or_image_is_refused_whatever_its_name(
    client_for, physio, episode, media
):
    referral = booked_referral(episode)
    upload = SimpleUploadedFile("report.pdf", b"MZ\x90\x00\x03 executable")
    response = client_for(physio).post(
        reverse("referrals:attach_report", args=[referral.pk]), {"report": upload}
    )
    assert response.status_code == 400
    assert "not a PDF, plain text, PNG or JPEG" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == rules.APPOINTMENT_BOOKED and not referral.report
    assert not any(media.rglob("*.*"))


def test_a_report_over_10_mb_is_refused(client_for, physio, episode, media):
    referral = booked_referral(episode)
    upload = SimpleUploadedFile("big.txt", b"a" * (rules.MAX_REPORT_BYTES + 1))
    response = client_for(physio).post(
        reverse("referrals:attach_report", args=[referral.pk]), {"report": upload}
    )
    assert "larger than 10 MB" in response.content.decode()
    referral.refresh_from_db()
    assert not referral.report
