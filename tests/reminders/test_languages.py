"""Issue 16: what the app writes to a patient is in the patient's language (French for French,
English for English and for any other language); what it writes to a staff member is in the
language that staff member chose for their screens."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from lbp_pathway.access import Role
from lbp_pathway.models import StaffPreference
from reminders import services
from reminders.models import Notification
from tests.factories import PatientFactory, UserFactory

TORONTO = ZoneInfo("America/Toronto")
STARTS = datetime(2030, 3, 14, 14, 30, tzinfo=TORONTO)  # a Thursday
pytestmark = pytest.mark.django_db


def remind(patient, key: str) -> None:
    services.schedule_reminder(
        kind="appointment",
        key=key,
        due_at=timezone.now(),
        patient=patient,
        context={"site": "Clinique Est", "starts_at": STARTS.isoformat(), "phone": "613-555-0100"},
    )
    token, ids = services.claim_due_reminders()
    services.deliver_reminder(ids[0], token, now=STARTS - timedelta(days=2))


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_french_speaking_patients_appointment_reminder_is_in_french(recording, channel):
    patient = PatientFactory(
        preferred_language="fr",
        email="c@example.org",
        consent_sms_reminders=channel == "sms",
        consent_email_reminders=channel == "email",
    )
    remind(patient, f"appointment:1:{channel}")
    [message] = recording.sent()
    assert message["channel"] == channel
    assert message["body"] == (
        "Vous avez un rendez-vous à Clinique Est le jeudi 14 mars 2030 à 14 h 30. "
        "Questions ou changements : 613-555-0100."
    )
    if channel == "email":
        assert message["subject"] == "Rappel de rendez-vous"


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize(("language", "other"), [("en", ""), ("other", "Punjabi")])
def test_english_and_other_language_patients_get_their_reminder_in_english(
    recording, channel, language, other
):
    patient = PatientFactory(
        preferred_language=language,
        other_language=other,
        email="e@example.org",
        consent_sms_reminders=channel == "sms",
        consent_email_reminders=channel == "email",
    )
    remind(patient, f"appointment:2:{channel}")
    [message] = recording.sent()
    assert message["body"] == (
        "You have an appointment at Clinique Est on Thursday, March 14, 2030 at 2:30 PM. "
        "Questions or changes: 613-555-0100."
    )
    if channel == "email":
        assert message["subject"] == "Appointment reminder"


def test_a_language_typed_as_text_is_kept_as_a_choice():
    assert PatientFactory(preferred_language="Français").language_code == "fr"
    punjabi = PatientFactory(preferred_language="Punjabi")
    assert (punjabi.preferred_language, punjabi.other_language) == ("other", "Punjabi")
    assert punjabi.language_code == "en" and punjabi.language_display == "Punjabi"


def test_a_staff_member_who_chose_french_gets_french_notifications(recording):
    francophone = UserFactory(email="fr@example.org")
    StaffPreference.objects.create(user=francophone, language="fr")
    anglophone = UserFactory(email="en@example.org")
    for user in (francophone, anglophone):
        services.schedule_reminder(
            kind="referral_overdue",
            key=f"overdue:{user.pk}",
            due_at=timezone.now(),
            user=user,
            context={"detail": "", "url": "/referrals/"},
            email=True,
        )
    token, ids = services.claim_due_reminders()
    services.deliver_reminders(ids, token)
    emails = {message["to"]: message for message in recording.sent()}
    assert (
        emails["fr@example.org"]["subject"] == "LBP Pathway : vous avez une nouvelle notification"
    )
    assert "Connectez-vous pour la lire" in emails["fr@example.org"]["body"]
    assert emails["en@example.org"]["subject"] == "LBP Pathway: you have a new notification"
    assert Notification.objects.get(user=francophone).title == "Orientation en retard"
    assert Notification.objects.get(user=anglophone).title == "Referral overdue"


def test_the_inbox_and_outbox_are_in_french_for_a_staff_member_who_chose_french(client, make_user):
    manager = make_user(Role.MANAGER, username="gestion")
    physio = make_user(Role.PHYSIOTHERAPIST, username="physiofr")
    for user in (manager, physio):
        StaffPreference.objects.create(user=user, language="fr")
    client.force_login(physio)  # the saved language is taken at sign-in
    inbox = client.get(reverse("reminders:inbox")).content.decode()
    assert "Aucune notification." in inbox and "No notifications." not in inbox
    client.force_login(manager)
    outbox = client.get(reverse("reminders:outbox")).content.decode()
    assert "Boîte d'envoi des rappels" in outbox and "Reminder outbox" not in outbox
    assert "Aucun rappel ne correspond." in outbox


def test_a_notification_written_before_the_switch_to_french_reads_in_french(client, make_user):
    physio = make_user(Role.PHYSIOTHERAPIST, username="physio-bientot-fr")
    Notification.objects.create(
        user=physio, title="Consultation note not signed", created_at=timezone.now()
    )
    StaffPreference.objects.create(user=physio, language="fr")
    client.force_login(physio)
    inbox = client.get(reverse("reminders:inbox")).content.decode()
    assert "Note de consultation non signée" in inbox
    assert "Consultation note not signed" not in inbox
