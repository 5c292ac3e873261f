"""The signed consultation note goes back to the referring clinician (issue 17, "Note out to the
referrer"): the referrer of the episode (a physician or nurse practitioner of the team, or an outside
clinician) and the patient's family physician when different. Signing tells each of them: in the app,
by an email without clinical content, and, for a partner's clinicians, by a signed id-only webhook
notice retried through the outbox (tested against a real HTTP server) or a row the partner polls."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from care_episodes import note_delivery, services
from care_episodes.models import ConsultationNote, NoteDelivery, NoteRead, PartnerEndpoint
from intake import services as intake
from intake.models import Referrer
from intake.referral_data import Coding, PatientIn, ReferralIn, ReferrerIn
from lbp_pathway import audit
from lbp_pathway.access import Role
from reminders import services as reminders
from reminders.models import Notification, Reminder
from tests.factories import PatientFactory, UserFactory
from tests.intake.factories import health_card

pytestmark = pytest.mark.django_db

PARTNER = "ocean-kingston"
SECRET = "s3cret-shared-with-the-partner"
NOTE_BODY = "Working diagnosis\nL5 radiculopathy.\n\nPlan\nGraded walking programme."


def physio_actor(physio):
    return audit.Actor(user=physio, path="/care/notes/", ip_address="10.0.0.9")


def write_and_sign(episode, physio) -> ConsultationNote:
    note = ConsultationNote.objects.create(
        episode=episode, title="Physiotherapy consultation", body=NOTE_BODY, author=physio
    )
    return services.sign_note(note, actor=physio_actor(physio))


def send_reminders_now():
    token, ids = reminders.claim_due_reminders(now=timezone.now() + timedelta(seconds=1))
    reminders.deliver_reminders(ids, token)


def emails_to(address):
    return [m for m in mail.outbox if address in m.to]


# Clinicians of the team -----------------------------------------------------------------------------


@pytest.fixture
def team():
    @dataclass
    class Team:
        physio = UserFactory(role=Role.PHYSIOTHERAPIST, username="pt1")
        family = UserFactory(
            role=Role.FAMILY_PHYSICIAN,
            username="fp1",
            first_name="Ada",
            last_name="Nguyen",
            email="ada.nguyen@fht.example.org",
        )
        referring = UserFactory(
            role=Role.FAMILY_PHYSICIAN,
            username="np1",
            first_name="Jordan",
            last_name="Whitehead",
            email="jordan.whitehead@fht.example.org",
        )
        bystander = UserFactory(role=Role.FAMILY_PHYSICIAN, username="fp9")

    return Team()


def referred_by_colleague(team):
    """A nurse practitioner of the team refers a patient of Dr Nguyen's panel."""
    patient = PatientFactory(family_physician=team.family, first_name="Hélène", last_name="Côté")
    Referrer.objects.create(
        name="Jordan Whitehead NP", kind=Referrer.Kind.NURSE_PRACTITIONER, user=team.referring
    )
    referral = intake.refer_patient(
        patient=patient,
        physician=team.referring,
        reason="Back pain for six weeks",
        urgency="routine",
        actor=audit.Actor(user=team.referring, path="/frontdesk/refer/"),
    )
    episode = referral.episode
    episode.physiotherapist = team.physio
    episode.save(update_fields=["physiotherapist"])
    return episode


def test_signing_tells_the_referrer_and_the_family_physician_in_the_app(team):
    episode = referred_by_colleague(team)

    note = write_and_sign(episode, team.physio)
    send_reminders_now()

    for user in (team.referring, team.family):
        (notice,) = Notification.objects.filter(user=user)
        assert notice.title == "Consultation note ready"
        assert notice.url == reverse("care_episodes:physician_note", args=[note.pk])
    assert not Notification.objects.filter(user=team.bystander).exists()
    described = episode.events.values_list("description", flat=True)
    assert any(
        "signed and sent to" in d and "Jordan Whitehead" in d and "Ada Nguyen" in d
        for d in described
    )


def test_the_emails_say_a_note_is_ready_and_nothing_clinical(team):
    episode = referred_by_colleague(team)

    write_and_sign(episode, team.physio)
    send_reminders_now()

    for address in (team.referring.email, team.family.email):
        (email,) = emails_to(address)
        text = email.subject + email.body
        assert "consultation note" in text.lower()
        assert "sign in" in text.lower()
        for clinical in ("Hélène", "Côté", "radiculopathy", "walking", "Back pain"):
            assert clinical not in text


def test_one_notice_when_the_referrer_is_the_family_physician(team):
    patient = PatientFactory(family_physician=team.family)
    referral = intake.refer_patient(
        patient=patient,
        physician=team.family,
        reason="Back pain",
        urgency="routine",
        actor=audit.Actor(user=team.family),
    )

    note = write_and_sign(referral.episode, team.physio)

    keys = set(Reminder.objects.filter(kind="note_signed").values_list("key", "user_id"))
    assert {user for _, user in keys} == {team.family.pk}
    assert len(keys) == 2  # the in-app notice and its email copy
    assert note.is_signed


def test_the_referrer_finds_the_note_in_the_inbox_reads_and_replies(team, client_for):
    episode = referred_by_colleague(team)
    note = write_and_sign(episode, team.physio)
    client = client_for(team.referring)

    inbox = client.get(reverse("care_episodes:physician_home")).content.decode()
    assert "Hélène Côté" in inbox

    page = client.get(reverse("care_episodes:physician_note", args=[note.pk]))
    assert page.status_code == 200
    assert "L5 radiculopathy" in page.content.decode()
    assert "You referred this patient" in page.content.decode()

    client.post(reverse("care_episodes:physician_note", args=[note.pk]), {"mark_read": "1"})
    assert NoteRead.objects.filter(note=note, reader=team.referring).exists()
    # The note, not the rest of the record: the episode summary stays with the panel's physician.
    summary = client.get(reverse("care_episodes:physician_episode", args=[episode.pk]))
    assert summary.status_code == 403


def test_a_physician_who_neither_referred_nor_follows_the_patient_is_refused(team, client_for):
    note = write_and_sign(referred_by_colleague(team), team.physio)
    client = client_for(team.bystander)

    assert "Hélène Côté" not in client.get(reverse("care_episodes:physician_home")).content.decode()
    page = client.get(reverse("care_episodes:physician_note", args=[note.pk]))
    assert page.status_code == 403


# Outside referrers: a partner's webhook, polling, email ---------------------------------------------


@dataclass
class Partner:
    """A partner's webhook receiver: a real HTTP server on this machine, answering as scripted."""

    url: str = ""
    # (status, seconds to wait before answering) per request, in order; then 200 at once.
    script: list[tuple[int, float]] = field(default_factory=list)
    received: list[tuple[Message, bytes]] = field(default_factory=list)


@pytest.fixture
def partner():
    state = Partner()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((self.headers, body))  # names in any case
            status, wait = state.script.pop(0) if state.script else (200, 0.0)
            time.sleep(wait)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/lbp/note-signed"
    PartnerEndpoint.objects.create(partner_key=PARTNER, webhook_url=state.url, secret=SECRET)
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def referred_from_outside(physio, *, email="okafor@portsmouth.example.org", partner_key=PARTNER):
    received = intake.receive_external_referral(
        ReferralIn(
            sender_system="https://ocean.example.org/referrals",
            sender_value="REF-77",
            patient=PatientIn(
                first_name="Élise",
                last_name="Gagnon",
                birth_date=date(1968, 3, 14),
                health_card_number=health_card("234567891"),
            ),
            referrer=ReferrerIn(
                name="Dr Maya Okafor",
                identifier_system="https://cpso.on.ca",
                identifier_value="98765",
                email=email,
            ),
            reason="Low back pain",
            reason_codes=(Coding("http://snomed.info/sct", "279039007"),),
            partner_key=partner_key,
        ),
        actor=audit.Actor(user=None, path="/fhir/ServiceRequest"),
    )
    episode = received.referral.episode
    episode.physiotherapist = physio
    episode.save(update_fields=["physiotherapist"])
    return episode


def webhook(note) -> NoteDelivery:
    return NoteDelivery.objects.get(note=note, channel=NoteDelivery.Channel.WEBHOOK)


def test_the_partner_hears_of_the_note_by_a_signed_id_only_notice(physio, partner):
    note = write_and_sign(referred_from_outside(physio), physio)
    delivery = webhook(note)
    assert delivery.status == NoteDelivery.Status.PENDING
    assert delivery.referrer.name == "Dr Maya Okafor"

    assert note_delivery.send_due_note_deliveries() == ["sent", "sent"]  # webhook and email

    delivery.refresh_from_db()
    assert delivery.status == NoteDelivery.Status.SENT and delivery.attempts == 1
    ((headers, body),) = partner.received
    assert json.loads(body) == {
        "resourceType": "DocumentReference",
        "id": str(note.pk),
        "event": "note-signed",
    }
    timestamp = headers["X-LBP-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert headers["X-LBP-Signature"] == "sha256=" + expected.hexdigest()
    assert headers["X-LBP-Delivery"]
    assert abs(int(timestamp) - time.time()) < 60
    for clinical in (b"Gagnon", b"radiculopathy", b"L5"):
        assert clinical not in body


def test_a_500_is_retried_later_and_then_succeeds(physio, partner, settings):
    settings.NOTE_DELIVERY_RETRY_BASE_SECONDS = 60
    partner.script = [(500, 0.0)]
    note = write_and_sign(referred_from_outside(physio, email=""), physio)

    assert note_delivery.send_due_note_deliveries() == ["retry"]
    delivery = webhook(note)
    assert delivery.status == NoteDelivery.Status.PENDING
    assert delivery.attempts == 1 and "500" in delivery.last_error
    assert delivery.due_at > timezone.now() + timedelta(seconds=50)

    assert note_delivery.send_due_note_deliveries() == []  # not due yet
    later = timezone.now() + timedelta(seconds=61)
    assert note_delivery.send_due_note_deliveries(now=later) == ["sent"]

    delivery.refresh_from_db()
    assert delivery.status == NoteDelivery.Status.SENT and delivery.attempts == 2
    assert len(partner.received) == 2
    # Both tries carry the same delivery key, so the partner can recognise a repeat.
    assert partner.received[0][0]["X-LBP-Delivery"] == partner.received[1][0]["X-LBP-Delivery"]


def test_a_partner_that_does_not_answer_in_time_is_retried_then_failed(physio, partner, settings):
    settings.NOTE_WEBHOOK_TIMEOUT_SECONDS = 1
    settings.NOTE_DELIVERY_MAX_ATTEMPTS = 2
    partner.script = [(200, 2.5), (200, 2.5)]
    note = write_and_sign(referred_from_outside(physio, email=""), physio)

    started = time.monotonic()
    assert note_delivery.send_due_note_deliveries() == ["retry"]
    assert time.monotonic() - started < 2.4  # gave up after the timeout, did not wait the answer
    delivery = webhook(note)
    assert "timed out" in delivery.last_error.lower()

    much_later = timezone.now() + timedelta(hours=1)
    assert note_delivery.send_due_note_deliveries(now=much_later) == ["failed"]
    delivery.refresh_from_db()
    assert delivery.status == NoteDelivery.Status.FAILED and delivery.attempts == 2


def test_a_refusal_is_not_retried(physio, partner):
    partner.script = [(410, 0.0)]
    note = write_and_sign(referred_from_outside(physio, email=""), physio)

    assert note_delivery.send_due_note_deliveries() == ["failed"]
    assert webhook(note).status == NoteDelivery.Status.FAILED


def test_without_a_webhook_the_note_waits_for_the_partner_to_poll(physio):
    note = write_and_sign(referred_from_outside(physio, email=""), physio)

    delivery = webhook(note)
    assert delivery.status == NoteDelivery.Status.AVAILABLE
    assert delivery.partner_key == PARTNER
    assert note_delivery.send_due_note_deliveries() == []


def test_the_partner_polls_its_own_notices_and_its_read_is_recorded(physio):
    note = write_and_sign(referred_from_outside(physio, email=""), physio)

    assert list(note_delivery.partner_deliveries(PARTNER)) == [webhook(note)]
    assert list(note_delivery.partner_deliveries("another-partner")) == []
    assert note_delivery.record_partner_read(note.pk, PARTNER) == 1
    assert note_delivery.record_partner_read(note.pk, PARTNER) == 0  # the first read counts
    assert webhook(note).retrieved_at is not None


def test_an_outside_referrer_gets_an_email_without_clinical_content(physio):
    note = write_and_sign(referred_from_outside(physio, partner_key=""), physio)

    assert not NoteDelivery.objects.filter(note=note, channel="webhook").exists()
    assert note_delivery.send_due_note_deliveries() == ["sent"]
    (email,) = emails_to("okafor@portsmouth.example.org")
    text = email.subject + email.body
    assert "consultation note" in text.lower() and "ready" in text
    for clinical in ("Élise", "Gagnon", "radiculopathy", "walking", "Low back pain"):
        assert clinical not in text
    # An outside clinician has no account: nothing for them in the app.
    assert not Reminder.objects.filter(kind="note_signed").exists()


def test_the_family_physician_is_told_as_well_as_the_outside_referrer(physio, team):
    episode = referred_from_outside(physio, partner_key="")
    patient = episode.patient
    patient.family_physician = team.family
    patient.save(update_fields=["family_physician"])

    write_and_sign(episode, physio)

    assert NoteDelivery.objects.filter(channel="email").count() == 1
    assert set(Reminder.objects.filter(kind="note_signed").values_list("user", flat=True)) == {
        team.family.pk
    }


def test_an_addendum_is_sent_again(physio, partner):
    note = write_and_sign(referred_from_outside(physio, email=""), physio)
    addendum = services.start_addendum(note, actor=physio_actor(physio))
    services.sign_note(addendum, actor=physio_actor(physio))

    assert note_delivery.send_due_note_deliveries() == ["sent", "sent"]
    ids = sorted(json.loads(body)["id"] for _, body in partner.received)
    assert ids == sorted([str(note.pk), str(addendum.pk)])


def test_a_webhook_address_must_be_https_unless_on_this_machine():
    endpoint = PartnerEndpoint(
        partner_key="p", webhook_url="http://partner.example.org/hook", secret="x"
    )
    with pytest.raises(ValidationError):
        endpoint.full_clean()
    endpoint.webhook_url = "https://partner.example.org/hook"
    endpoint.full_clean()
