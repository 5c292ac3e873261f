import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lbp_pathway.audit import SYSTEM
from reminders import services
from reminders.models import Delivery, DeliveryLog, Notification, Reminder
from reminders.services import delivery as delivery_service
from tests.factories import PatientFactory, UserFactory
from tests.reminders.factories import ConsentingPatientFactory, ReminderFactory

TORONTO = ZoneInfo("America/Toronto")
pytestmark = pytest.mark.django_db


def deliver_due(now=None) -> list[str]:
    token, ids = services.claim_due_reminders(now=now)
    return services.deliver_reminders(ids, token, now=now)


def noon(days: int = 3) -> datetime:
    return (
        (timezone.now() + timedelta(days=days))
        .astimezone(TORONTO)
        .replace(hour=12, minute=0, second=0, microsecond=0)
    )


def test_appointment_reminder_is_written_once_per_key_even_if_scheduled_twice(recording):
    patient = ConsentingPatientFactory()
    starts = noon()
    for _ in range(2):
        services.schedule_appointment_reminders(
            patient=patient, appointment_id=7, starts_at=starts, site="Kingston East"
        )
    reminder = Reminder.objects.get()
    assert reminder.key == "appointment:7:48h"
    assert reminder.due_at == starts - timedelta(hours=48)
    assert reminder.status == "pending"


def test_a_reminder_written_in_a_transaction_that_rolls_back_does_not_exist(recording):
    patient = ConsentingPatientFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.schedule_appointment_reminders(
            patient=patient, appointment_id=8, starts_at=noon(), site="Kingston East"
        )
        raise RuntimeError("booking failed")
    assert not Reminder.objects.exists()


def test_patient_reminder_due_in_quiet_hours_is_scheduled_for_the_morning(settings):
    settings.REMINDER_QUIET_HOURS = "21:00-08:00 America/Toronto"
    starts = noon().replace(hour=23)  # 48 h before is 23:00 as well
    services.schedule_appointment_reminders(
        patient=ConsentingPatientFactory(), appointment_id=1, starts_at=starts, site="East"
    )
    due = Reminder.objects.get().due_at.astimezone(TORONTO)
    assert (due.hour, due.minute) == (8, 0)
    assert due.date() == (starts - timedelta(hours=48)).date() + timedelta(days=1)


def test_due_reminder_in_quiet_hours_is_postponed_not_sent(recording, settings):
    settings.REMINDER_QUIET_HOURS = "21:00-08:00 America/Toronto"
    late = datetime(2026, 3, 10, 22, 30, tzinfo=TORONTO)
    reminder = ReminderFactory(due_at=late - timedelta(minutes=5))
    assert deliver_due(now=late) == ["postponed"]
    reminder.refresh_from_db()
    assert reminder.status == "pending"
    assert reminder.due_at == datetime(2026, 3, 11, 8, 0, tzinfo=TORONTO)
    assert recording.sent() == []


def test_sms_reminder_is_sent_once_without_clinical_details(recording):
    patient = ConsentingPatientFactory(phone="613-555-0101")
    services.schedule_reminder(
        kind="appointment",
        key="appointment:3:48h",
        due_at=timezone.now(),
        patient=patient,
        context={"site": "Kingston East", "starts_at": noon().isoformat(), "phone": "613-555-0000"},
    )
    assert deliver_due() == ["sent"]
    assert deliver_due() == []
    [sms] = recording.sent()
    assert sms["channel"] == "sms" and sms["to"] == "613-555-0101"
    assert sms["body"].startswith("You have an appointment at Kingston East on ")
    assert "613-555-0000" in sms["body"]
    for clinical in ("risk", "back pain", "diagnos", "red flag"):
        assert clinical not in sms["body"].lower()
    reminder = Reminder.objects.get()
    assert reminder.status == "sent" and reminder.sent_at and reminder.attempts == 1
    assert Delivery.objects.get().key == "appointment:3:48h#0"


def test_french_speaking_patient_gets_a_french_email_with_the_questionnaire_link(recording):
    patient = PatientFactory(
        preferred_language="fr", consent_email_reminders=True, email="a@example.org"
    )
    services.schedule_reminder(
        kind="outcome_due",
        key="outcome:5:6w",
        due_at=timezone.now(),
        patient=patient,
        context={"site": "Clinique Est", "url": "https://lbp.example.org/q/abc"},
    )
    deliver_due()
    [email] = recording.sent()
    assert email["channel"] == "email" and email["to"] == "a@example.org"
    assert email["subject"] == "Un court questionnaire de Clinique Est"
    assert "https://lbp.example.org/q/abc" in email["body"]


def test_appointment_date_is_written_in_the_patients_language(recording):
    starts = datetime(2026, 3, 12, 14, 30, tzinfo=TORONTO)
    patient = PatientFactory(preferred_language="fr", consent_sms_reminders=True)
    services.schedule_reminder(
        kind="appointment",
        key="appointment:9:48h",
        due_at=timezone.now(),
        patient=patient,
        context={"site": "Clinique Est", "starts_at": starts.isoformat()},
    )
    Reminder.objects.update(context={"site": "Clinique Est", "starts_at": starts.isoformat()})
    token, ids = services.claim_due_reminders()
    services.deliver_reminder(ids[0], token, now=starts - timedelta(days=2))
    assert recording.sent()[0]["body"] == (
        "Vous avez un rendez-vous à Clinique Est le jeudi 12 mars 2026 à 14 h 30."
    )


def test_patient_without_consent_gets_nothing_and_the_outbox_says_why(recording):
    ReminderFactory(patient=PatientFactory(consent_sms_reminders=False))
    assert deliver_due() == ["cancelled"]
    assert recording.attempts() == []
    assert Reminder.objects.get().last_error == "no consent to email or SMS reminders"


def test_patient_who_withdrew_sms_consent_gets_email_instead(recording):
    patient = ConsentingPatientFactory(consent_sms_reminders=False, email="b@example.org")
    ReminderFactory(patient=patient, channel="sms")
    deliver_due()
    assert [m["channel"] for m in recording.sent()] == ["email"]
    assert Reminder.objects.get().channel == "email"


def test_staff_reminder_appears_in_the_notification_list_once(recording):
    physio = UserFactory()
    patient = PatientFactory(first_name="Ada", last_name="Moss")
    services.schedule_reminder(
        kind="note_unsigned",
        key="note:4:unsigned",
        due_at=timezone.now(),
        user=physio,
        about_patient=patient,
        context={"detail": "assessed 3 days ago", "url": "/episodes/4/"},
    )
    assert deliver_due() == ["sent"]
    note = Notification.objects.get()
    assert (note.user, note.title, note.url) == (
        physio,
        "Consultation note not signed",
        "/episodes/4/",
    )
    assert note.body == "Ada Moss: assessed 3 days ago"
    assert recording.attempts() == []


def test_staff_email_when_enabled_names_no_patient(recording, settings):
    settings.REMINDER_STAFF_EMAIL = True
    physician = UserFactory(email="md@example.org")
    services.schedule_reminder(
        kind="physician_review",
        key="review:2",
        due_at=timezone.now(),
        user=physician,
        about_patient=PatientFactory(last_name="Zyxwv"),
        context={"detail": "urgent review", "url": "/physician/"},
    )
    assert sorted(deliver_due()) == ["sent", "sent"]
    [email] = recording.sent()
    assert email["to"] == "md@example.org"
    assert "Zyxwv" not in email["body"] and "/physician/" in email["body"]


def test_cancelling_an_appointment_cancels_its_reminders(recording):
    patient = ConsentingPatientFactory()
    services.schedule_appointment_reminders(
        patient=patient, appointment_id=11, starts_at=noon(), site="East", lead_hours=[48, 2]
    )
    services.schedule_appointment_reminders(
        patient=patient, appointment_id=110, starts_at=noon(), site="East"
    )
    assert services.cancel_appointment_reminders(11) == 2
    statuses = dict(Reminder.objects.values_list("key", "status"))
    assert statuses == {
        "appointment:11:48h": "cancelled",
        "appointment:11:2h": "cancelled",
        "appointment:110:48h": "pending",
    }
    Reminder.objects.update(due_at=timezone.now())
    deliver_due()
    assert len(recording.sent()) == 1


def test_moving_an_appointment_moves_its_reminder_and_the_message_shows_the_new_time(recording):
    patient = ConsentingPatientFactory()
    first = noon(3)
    services.schedule_appointment_reminders(
        patient=patient, appointment_id=12, starts_at=first, site="East"
    )
    moved_to = noon(5)
    assert services.move_appointment_reminders(12, moved_to) == 1
    reminder = Reminder.objects.get()
    assert reminder.due_at == moved_to - timedelta(hours=48)
    assert reminder.context["starts_at"] == moved_to.isoformat()


def test_moving_an_appointment_after_its_reminder_was_sent_sends_a_new_one(recording):
    patient = ConsentingPatientFactory()
    services.schedule_reminder(
        kind="appointment",
        key="appointment:13:48h",
        due_at=timezone.now(),
        patient=patient,
        context={"site": "East", "starts_at": noon(1).isoformat()},
    )
    deliver_due()
    services.move_appointment_reminders(13, timezone.now() + timedelta(hours=49))
    Reminder.objects.update(due_at=timezone.now())
    deliver_due()
    assert [m["key"] for m in recording.sent()] == ["appointment:13:48h#0", "appointment:13:48h#1"]


def test_reminder_for_an_appointment_already_past_is_not_sent(recording):
    ReminderFactory(context={"site": "East", "starts_at": timezone.now().isoformat()})
    assert deliver_due(now=timezone.now() + timedelta(minutes=1)) == ["cancelled"]
    assert recording.attempts() == []


def test_transient_failure_is_retried_with_backoff_then_gives_up(recording, settings):
    settings.SMS_BACKEND = "tests.reminders.backends.UnreachableSMSBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    reminder = ReminderFactory()
    now = timezone.now()
    assert deliver_due(now) == ["retry"]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("pending", 1)
    assert reminder.last_error == "provider timed out"
    assert reminder.due_at >= timezone.now() + timedelta(seconds=50)
    assert deliver_due(now) == []  # not due again yet
    Reminder.objects.update(due_at=now)
    assert deliver_due(now) == ["retry"]
    Reminder.objects.update(due_at=now)
    assert deliver_due(now) == ["failed"]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("failed", 3)


def test_refused_number_fails_at_once(recording, settings):
    settings.SMS_BACKEND = "tests.reminders.backends.RefusingSMSBackend"
    ReminderFactory()
    assert deliver_due() == ["failed"]
    assert Reminder.objects.get().attempts == 1


def test_unexpected_provider_errors_are_retried_not_lost(recording, settings):
    settings.SMS_BACKEND = "tests.reminders.backends.BrokenSMSBackend"
    ReminderFactory()
    assert deliver_due() == ["retry"]
    assert Reminder.objects.get().status == "pending"


def test_a_stale_claim_token_cannot_send(recording):
    ReminderFactory()
    token, [reminder_id] = services.claim_due_reminders()
    assert services.deliver_reminder(reminder_id, "an-older-claim") == "skipped"
    assert services.deliver_reminder(reminder_id, token) == "sent"
    assert services.deliver_reminder(reminder_id, token) == "skipped"
    assert len(recording.attempts()) == 1


def test_reminder_whose_lease_ran_out_is_claimed_again(recording, settings):
    settings.REMINDER_LEASE_SECONDS = 30
    ReminderFactory()
    services.claim_due_reminders()
    assert services.claim_due_reminders()[1] == []
    later = timezone.now() + timedelta(seconds=31)
    assert len(services.claim_due_reminders(now=later)[1]) == 1


def test_a_live_worker_renewing_its_lease_keeps_its_reminders(recording, settings):
    settings.REMINDER_LEASE_SECONDS = 30
    ReminderFactory(due_at=timezone.now() - timedelta(minutes=1))
    token, [rid] = services.claim_due_reminders(now=timezone.now() - timedelta(seconds=25))
    assert services.renew_lease(token) == 1  # the worker is alive 25 s into its lease
    assert services.claim_due_reminders(now=timezone.now() + timedelta(seconds=20))[1] == []
    assert services.claim_due_reminders(now=timezone.now() + timedelta(seconds=31))[1] == [rid]
    assert services.renew_lease(token) == 0  # the first worker has lost its claim


def test_a_resend_after_a_crash_mid_send_reuses_the_delivery_key(recording, settings):
    settings.REMINDER_LEASE_SECONDS = 30
    ReminderFactory(key="appointment:77:48h")
    token, [rid] = services.claim_due_reminders()
    with transaction.atomic():  # the worker wrote its delivery row, then died before sending
        delivery_service._prepare([rid], token, timezone.now())
    later = timezone.now() + timedelta(seconds=31)
    token2, [same] = services.claim_due_reminders(now=later)
    assert services.deliver_reminder(same, token2) == "sent"
    delivery = Delivery.objects.get()
    assert (delivery.key, delivery.attempts, delivery.status) == ("appointment:77:48h#0", 2, "sent")
    [logged] = DeliveryLog.objects.all()
    assert (logged.key, logged.attempt, logged.channel) == ("appointment:77:48h#0", 2, "sms")
    assert [m["key"] for m in recording.sent()] == ["appointment:77:48h#0"]


def test_a_message_the_delivery_log_says_was_accepted_is_not_sent_again(recording, settings):
    # A channel accepted it (the log says so) but the reminder was never brought up to date.
    reminder = ReminderFactory(key="appointment:78:48h")
    DeliveryLog.objects.create(
        key="appointment:78:48h#0", attempt=1, channel="sms", accepted_at=timezone.now()
    )
    assert deliver_due() == ["already sent"]
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.sent_at is not None
    assert recording.sent() == []


def test_each_message_is_marked_sent_as_soon_as_its_channel_accepts_it(recording, settings):
    settings.SMS_BACKEND = "tests.reminders.backends.DyingAfterOneSMSBackend"
    first, second, third = ReminderFactory.create_batch(3)
    token, ids = services.claim_due_reminders()
    with pytest.raises(SystemExit):  # the worker dies while the provider takes the second message
        services.deliver_reminders(ids, token)
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    sent = [pk for pk, status in statuses.items() if status == "sent"]
    assert len(sent) == 1 and sorted(statuses.values()) == ["sending", "sending", "sent"]
    [logged] = DeliveryLog.objects.all()
    assert logged.key == Reminder.objects.get(pk=sent[0]).delivery_key
    assert logged.provider_reference.startswith("recorded:")


def test_the_delivery_log_is_append_only(recording):
    ReminderFactory()
    deliver_due()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DeliveryLog.objects.update(provider_reference="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DeliveryLog.objects.all().delete()


def test_manager_resend_of_a_failed_reminder_happens_once(recording):
    reminder = ReminderFactory(status="failed", attempts=5, last_error="timeout")
    assert services.resend_reminder(reminder, generation=0, actor=SYSTEM) is True
    assert services.resend_reminder(reminder, generation=0, actor=SYSTEM) is False
    assert deliver_due() == ["sent"]
    assert [m["key"] for m in recording.sent()] == [f"{reminder.key}#1"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_claiming_at_once_never_claim_the_same_reminder(recording):
    ReminderFactory.create_batch(10)
    first_claimed = threading.Event()
    release = threading.Event()
    claims: dict[str, list[int]] = {}

    def slow_dispatcher() -> None:
        with transaction.atomic():
            claims["first"] = services.claim_due_reminders(limit=4)[1]
            first_claimed.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=slow_dispatcher)
    thread.start()
    first_claimed.wait(10)
    claims["second"] = services.claim_due_reminders(limit=10)[1]
    release.set()
    thread.join()
    assert len(claims["first"]) == 4 and len(claims["second"]) == 6
    assert not set(claims["first"]) & set(claims["second"])


def test_unsigned_note_reminder_is_due_days_after_the_assessment_and_cancelled_on_signing(
    settings,
):
    settings.REMINDER_NOTE_UNSIGNED_DAYS = 3
    physio = UserFactory()
    assessed = timezone.now()
    reminder = services.schedule_unsigned_note_reminder(
        physiotherapist=physio,
        patient=PatientFactory(),
        note_key="episode-5",
        assessed_at=assessed,
        url="/episodes/5/note/",
    )
    assert (reminder.user, reminder.channel) == (physio, "in_app")
    assert reminder.due_at == assessed + timedelta(days=3)
    assert services.cancel_reminders("note_unsigned:episode-5") == 1
    assert deliver_due(now=assessed + timedelta(days=4)) == []


def test_overdue_referral_tells_the_physio_and_the_front_desk(recording):
    physio, desk = UserFactory(), UserFactory()
    services.schedule_referral_overdue_reminders(
        referral_id=3,
        due_at=timezone.now(),
        recipients=[physio, desk],
        patient=PatientFactory(),
        url="/referrals/3/",
    )
    assert deliver_due() == ["sent", "sent"]
    assert set(Notification.objects.values_list("user", flat=True)) == {physio.pk, desk.pk}
