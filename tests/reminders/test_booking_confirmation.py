"""A self-booking confirmation leaves through the outbox: by email with an .ics calendar file, by
SMS with a link to it, only by the channels the patient consented to, never in quiet hours."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from reminders import calendar, services
from reminders.models import Reminder
from tests.reminders.factories import ConsentingPatientFactory

pytestmark = pytest.mark.django_db

START = datetime(2030, 3, 4, 14, 30, tzinfo=UTC)  # 9:30 in Toronto


def confirm(patient, **overrides):
    values = {
        "patient": patient,
        "appointment_id": 77,
        "starts_at": START,
        "ends_at": START + timedelta(minutes=45),
        "site": "Kingston East; Physiotherapy",
        "address": "12 Main St, Kingston",
        "url": "https://clinic.example/p/book/abc/",
        "calendar_url": "https://clinic.example/p/book/abc/appointment.ics",
        "cutoff_hours": 24,
    }
    return services.schedule_booking_confirmation(**{**values, **overrides})


def deliver(now):
    token, ids = services.claim_due_reminders(now=now)
    return services.deliver_reminders(ids, token, now=now)


@pytest.fixture
def outbox(settings, recording):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


def test_email_confirmation_carries_an_ics_that_reads_back(outbox, recording):
    patient = ConsentingPatientFactory(consent_sms_reminders=False, email="pat@example.org")
    now = datetime(2030, 3, 1, 15, 0, tzinfo=UTC)
    [row] = confirm(patient, now=now)
    assert row.channel == "email"

    deliver(now)

    [email] = outbox
    assert email.to == ["pat@example.org"]
    assert "Kingston East" in email.subject
    assert "https://clinic.example/p/book/abc/" in email.body
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == ("appointment.ics", "text/calendar")
    assert content.startswith("BEGIN:VCALENDAR\r\n") and content.endswith("END:VCALENDAR\r\n")
    [event] = calendar.parse(content)
    assert event["DTSTART"] == "20300304T143000Z"
    assert event["DTEND"] == "20300304T151500Z"
    assert event["DTSTAMP"] == "20300301T150000Z"
    assert event["UID"] == "appointment-77@lbp-pathway"
    assert event["LOCATION"] == "Kingston East; Physiotherapy, 12 Main St, Kingston"
    assert "Kingston East" in event["SUMMARY"]
    # nothing clinical: only the time and the place
    assert set(event) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "URL"}


def test_sms_confirmation_links_the_calendar_file_and_is_in_french_for_french_speakers(
    outbox, recording
):
    patient = ConsentingPatientFactory(
        consent_email_reminders=False, phone="+16135550199", preferred_language="fr"
    )
    now = datetime(2030, 3, 1, 15, 0, tzinfo=UTC)
    confirm(patient, now=now)
    deliver(now)

    [sms] = recording.sent()
    assert sms["channel"] == "sms" and sms["to"] == "+16135550199"
    assert "rendez-vous" in sms["body"]
    assert "https://clinic.example/p/book/abc/appointment.ics" in sms["body"]
    assert outbox == []


def test_no_consent_means_no_message(outbox, recording):
    patient = ConsentingPatientFactory(consent_email_reminders=False, consent_sms_reminders=False)
    assert confirm(patient) == []
    assert not Reminder.objects.exists()


def test_quiet_hours_postpone_the_confirmation(settings, outbox, recording):
    settings.REMINDER_QUIET_HOURS = "21:00-08:00 America/Toronto"
    patient = ConsentingPatientFactory(consent_sms_reminders=False)
    night = datetime(2030, 3, 2, 4, 0, tzinfo=UTC)  # 23:00 in Toronto
    [row] = confirm(patient, now=night)
    assert row.due_at == datetime(2030, 3, 2, 13, 0, tzinfo=UTC)  # 8:00 in Toronto
    deliver(night)
    assert outbox == []


def test_long_lines_are_folded_and_special_characters_escaped():
    event = calendar.CalendarEvent(
        uid="x@y",
        start=START,
        end=START + timedelta(hours=1),
        summary="Rendez-vous à la clinique, « physiothérapie »; " * 4,
        location="Line one\nLine two",
    )
    text = calendar.ics(event, now=START)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    [parsed] = calendar.parse(text)
    assert parsed["SUMMARY"] == event.summary
    assert parsed["LOCATION"] == "Line one\nLine two"
