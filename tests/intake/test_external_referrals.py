"""Referrals received from another system (issue 17, "Referral in"): the patient is matched by health
card first and never silently merged, the referring clinician is made or reused, the referral lands on
the front desk's worklist marked as received electronically, the sender's identifier makes a repeat
harmless, and bad input is refused with every problem named and nothing stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.utils import timezone

from care_episodes.models import Episode
from intake import services
from intake.models import IncomingReferral, Patient, ReferralAttachment, Referrer
from intake.services import (
    AttachmentIn,
    Coding,
    PatientIn,
    ReferralIn,
    ReferralRejected,
    ReferrerIn,
)
from lbp_pathway import audit
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from tests.audit_rows import mark, rows_after
from tests.factories import PatientFactory
from tests.intake.factories import health_card

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"
PARTNER = "ocean-kingston"
# A tiny but real PDF header: enough for the upload check, which reads the first bytes.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

SYSTEM = audit.Actor(user=None, path="/fhir/ServiceRequest", ip_address="10.1.2.3")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def referral(n: int = 1, **changes) -> ReferralIn:
    base = ReferralIn(
        sender_system="https://ocean.example.org/referrals",
        sender_value=f"REF-{n}",
        patient=PatientIn(
            first_name="Élise",
            last_name="Gagnon",
            birth_date=date(1968, 3, 14),
            health_card_number=health_card("234567891"),
            health_card_version="AB",
            sex="F",
            phone="613-555-0142",
            postal_code="k7l 3n6",
        ),
        referrer=ReferrerIn(
            name="Dr Maya Okafor",
            kind="family_physician",
            identifier_system="https://cpso.on.ca",
            identifier_value="98765",
            organisation="Portsmouth Family Practice",
            email="okafor@portsmouth.example.org",
        ),
        reason="Low back pain for eight weeks, no better with advice.",
        reason_codes=(Coding(SNOMED, "279039007", "Low back pain"),),
        urgency="routine",
        partner_key=PARTNER,
    )
    return replace(base, **changes)


def receive(referral_in: ReferralIn):
    return services.receive_external_referral(referral_in, actor=SYSTEM)


def problems_of(referral_in: ReferralIn) -> dict[str, str]:
    with pytest.raises(ReferralRejected) as refused:
        receive(referral_in)
    return dict(refused.value.problems)


def stored_counts() -> tuple[int, int, int, int, int, int]:
    return (
        Patient.objects.count(),
        IncomingReferral.objects.count(),
        Referrer.objects.count(),
        Episode.objects.count(),
        ReferralAttachment.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_new_patient_with_a_health_card_lands_on_the_worklist_as_received_electronically():
    received = receive(referral())

    assert received.created and received.patient_created
    stored = received.referral
    assert stored.status == IncomingReferral.Status.OPEN
    assert stored.received_via == IncomingReferral.ReceivedVia.FHIR
    assert stored.received_on == timezone.localdate()
    assert stored.reason == "Low back pain for eight weeks, no better with advice."
    assert stored.reason_codes == [f"{SNOMED}|279039007"]
    patient = stored.patient
    assert (patient.first_name, patient.last_name) == ("Élise", "Gagnon")
    assert patient.health_card_number == health_card("234567891")
    assert patient.postal_code == "K7L 3N6"
    assert not stored.check_duplicates
    # A new episode starts its wait clock on the day the referral arrived.
    assert stored.episode.status == Episode.Status.REQUESTED
    assert stored.episode.requested_on == timezone.localdate()
    # The sender is the referring clinician, known by their licence and partner.
    referrer = stored.referrer
    assert referrer.name == "Dr Maya Okafor"
    assert referrer.kind == Referrer.Kind.FAMILY_PHYSICIAN
    assert (referrer.identifier_system, referrer.identifier_value) == (
        "https://cpso.on.ca",
        "98765",
    )
    assert referrer.partner_key == PARTNER
    assert referrer.user is None
    assert stored.referring_physician is None


def test_the_worklist_shows_the_referrer_and_received_electronically(client_for, front_desk):
    receive(referral(urgency="urgent"))

    page = client_for(front_desk).get("/frontdesk/referrals/")

    html = page.content.decode()
    assert "Dr Maya Okafor" in html
    assert "Portsmouth Family Practice" in html
    assert "Received electronically" in html
    assert "Élise Gagnon" in html


def test_a_patient_on_file_with_the_same_health_card_name_and_birth_date_is_matched():
    on_file = PatientFactory(
        first_name="Elise",
        last_name="GAGNON",
        date_of_birth=date(1968, 3, 14),
        health_card_number=health_card("234567891"),
    )

    received = receive(referral())

    assert received.referral.patient == on_file
    assert not received.patient_created
    assert Patient.objects.count() == 1


def test_a_health_card_on_file_for_another_person_is_a_problem_never_a_merge():
    on_file = PatientFactory(
        first_name="Robert",
        last_name="Lachance",
        date_of_birth=date(1950, 1, 2),
        health_card_number=health_card("234567891"),
    )
    before = stored_counts()

    problems = problems_of(referral())

    assert "patient.health_card_number" in problems
    assert "different name or date of birth" in problems["patient.health_card_number"]
    # The other patient's identity is not disclosed to the sender.
    assert "Robert" not in problems["patient.health_card_number"]
    assert stored_counts() == before
    on_file.refresh_from_db()
    assert on_file.first_name == "Robert"


def test_the_same_card_with_another_birth_date_is_a_problem_too():
    PatientFactory(
        first_name="Élise",
        last_name="Gagnon",
        date_of_birth=date(1968, 3, 15),
        health_card_number=health_card("234567891"),
    )

    assert "patient.health_card_number" in problems_of(referral())


def test_without_a_health_card_a_new_patient_is_made_and_a_likely_duplicate_flagged():
    PatientFactory(first_name="Élise", last_name="Gagnon", date_of_birth=date(1968, 3, 14))
    without_card = replace(referral().patient, health_card_number="", health_card_version="")

    received = receive(referral(patient=without_card))

    assert received.patient_created
    assert Patient.objects.filter(last_name="Gagnon").count() == 2
    assert received.referral.check_duplicates


def test_without_a_health_card_and_no_look_alike_no_duplicate_flag():
    without_card = replace(referral().patient, health_card_number="", health_card_version="")

    received = receive(referral(patient=without_card))

    assert received.patient_created
    assert not received.referral.check_duplicates


def test_the_duplicate_flag_shows_on_the_worklist(client_for, front_desk):
    PatientFactory(first_name="Elise", last_name="Gagnon", date_of_birth=date(1968, 3, 14))
    receive(referral(patient=replace(referral().patient, health_card_number="")))

    html = client_for(front_desk).get("/frontdesk/referrals/").content.decode()

    assert "check for a duplicate record" in html


def test_the_same_sender_identifier_again_returns_the_referral_already_received():
    first = receive(referral())
    before = stored_counts()

    again = receive(referral())

    assert not again.created
    assert again.referral.pk == first.referral.pk
    counts = stored_counts()
    assert counts[:5] == before[:5]  # no second patient, referral, referrer, episode or file


def test_another_identifier_from_the_same_clinician_reuses_the_referrer():
    first = receive(referral(1))
    second = receive(referral(2))

    assert second.created
    assert second.referral.referrer == first.referral.referrer
    assert second.referral.patient == first.referral.patient
    assert Referrer.objects.count() == 1
    assert IncomingReferral.objects.count() == 2


def test_a_referrer_on_file_is_completed_never_overwritten():
    Referrer.objects.create(
        name="Dr Maya Okafor",
        kind=Referrer.Kind.FAMILY_PHYSICIAN,
        identifier_system="https://cpso.on.ca",
        identifier_value="98765",
        email="maya.okafor@clinic.example.org",
    )
    other_email = replace(referral().referrer, email="someone@else.example.org")

    received = receive(referral(referrer=other_email))

    referrer = received.referral.referrer
    assert referrer.email == "maya.okafor@clinic.example.org"
    assert referrer.organisation == "Portsmouth Family Practice"  # was blank: filled in


def test_a_nurse_practitioner_referrer_is_recorded_as_such():
    np = ReferrerIn(
        name="Jordan Whitehead NP",
        kind="nurse_practitioner",
        identifier_system="https://www.cno.org",
        identifier_value="NP-4455",
    )

    received = receive(referral(referrer=np))

    assert received.referral.referrer.kind == Referrer.Kind.NURSE_PRACTITIONER


def test_a_missing_patient_is_named_and_nothing_is_stored():
    before = stored_counts()

    problems = problems_of(referral(patient=None))

    assert set(problems) == {"patient"}
    assert stored_counts() == before


def test_an_unknown_reason_code_is_named():
    codes = (Coding(SNOMED, "279039007"), Coding(SNOMED, "22298006", "Myocardial infarction"))

    problems = problems_of(referral(reason_codes=codes))

    assert set(problems) == {"reason_codes[1]"}
    assert "22298006" in problems["reason_codes[1]"]


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (SNOMED, "279039007"),  # low back pain
        (SNOMED, "161891005"),  # backache
        (SNOMED, "23056005"),  # sciatica
        ("http://hl7.org/fhir/sid/icd-10", "M54.5"),  # low back pain
        ("http://hl7.org/fhir/sid/icd-10", "M54.4"),  # lumbago with sciatica
        ("http://hl7.org/fhir/sid/icd-10", "M54.3"),  # sciatica
    ],
)
def test_low_back_pain_codes_are_accepted_with_or_without_words(system, code):
    received = receive(referral(reason="", reason_codes=(Coding(system, code),)))

    assert received.created
    assert received.referral.reason  # the code's meaning stands in for missing words


def test_a_known_code_from_an_unknown_system_is_refused():
    problems = problems_of(referral(reason_codes=(Coding("urn:example:codes", "279039007"),)))

    assert set(problems) == {"reason_codes[0]"}


def test_a_bad_health_card_is_named():
    bad = replace(referral().patient, health_card_number="1234567890")  # fails its check digit

    problems = problems_of(referral(patient=bad))

    assert set(problems) == {"patient.health_card_number"}
    assert "check digit" in problems["patient.health_card_number"]


def test_a_future_birth_date_is_named():
    tomorrow = timezone.localdate() + timedelta(days=1)
    unborn = replace(referral().patient, birth_date=tomorrow)

    problems = problems_of(referral(patient=unborn))

    assert set(problems) == {"patient.birth_date"}


def test_every_problem_is_named_at_once_and_nothing_is_stored():
    before = stored_counts()
    bad_patient = PatientIn(
        first_name="",
        last_name="Gagnon",
        birth_date=timezone.localdate() + timedelta(days=30),
        health_card_number="12345",
    )
    bad = referral(
        sender_value="",
        patient=bad_patient,
        referrer=ReferrerIn(name="", kind="chiropractor"),
        reason="",
        reason_codes=(Coding(SNOMED, "000000"),),
        urgency="stat",
        attachments=(AttachmentIn("letter.pdf", b"<html><script>alert(1)</script>"),),
    )

    problems = problems_of(bad)

    assert set(problems) == {
        "identifier",
        "patient.first_name",
        "patient.birth_date",
        "patient.health_card_number",
        "referrer.name",
        "referrer.kind",
        "reason_codes[0]",
        "urgency",
        "attachments[0]",
    }
    assert stored_counts() == before


def test_a_referral_without_an_identifier_is_refused():
    assert set(problems_of(referral(sender_value=""))) == {"identifier"}


def test_attachments_are_stored_privately_with_their_kind(media):
    letter = AttachmentIn("referral-letter.pdf", PDF, title="Referral letter")

    received = receive(referral(attachments=(letter,)))

    (stored,) = received.referral.attachments.all()
    assert stored.title == "Referral letter"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(PDF)
    assert "referral-letter" not in stored.file.name  # random name, never the sender's
    assert (media / "private" / stored.file.name).read_bytes() == PDF


def test_a_rejected_referral_leaves_no_file_behind(media):
    letter = AttachmentIn("referral-letter.pdf", PDF)

    problems_of(referral(attachments=(letter,), reason_codes=(Coding(SNOMED, "1"),)))

    assert not list(media.rglob("*.pdf"))


def test_receiving_is_audited_with_the_patient_and_the_client():
    start = mark()

    received = receive(referral())

    rows = rows_after(start)
    patient = received.referral.patient
    assert {(r.action, r.patient_id) for r in rows} == {("create", patient.pk)}
    assert any("received electronically" in r.what for r in rows)
    assert all(r.path == "/fhir/ServiceRequest" and r.ip_address == "10.1.2.3" for r in rows)


def test_the_in_app_referral_names_the_physician_as_referrer(make_user):
    physician = make_user(Role.FAMILY_PHYSICIAN, first_name="Ada", last_name="Nguyen")
    patient = PatientFactory(family_physician=physician)
    actor = audit.Actor(user=physician, path="/intake/refer/")

    first = services.refer_patient(
        patient=patient, physician=physician, reason="Back pain", urgency="routine", actor=actor
    )
    second = services.refer_patient(
        patient=PatientFactory(family_physician=physician),
        physician=physician,
        reason="Back pain",
        urgency="routine",
        actor=actor,
    )

    assert first.referrer == second.referrer
    assert first.referrer.user == physician
    assert first.referrer.name == "Ada Nguyen"
    assert first.received_via == IncomingReferral.ReceivedVia.APP


def test_a_nurse_practitioner_of_the_team_refers_as_a_nurse_practitioner(make_user):
    np = make_user(Role.NURSE_PRACTITIONER, first_name="Jordan", last_name="Whitehead")
    referral = services.refer_patient(
        patient=PatientFactory(family_physician=np),
        physician=np,
        reason="Back pain",
        urgency="routine",
        actor=audit.Actor(user=np),
    )

    assert referral.referrer.kind == Referrer.Kind.NURSE_PRACTITIONER
    assert referral.referrer.user == np
