"""The channels as a provider sees them: the idempotency key travels with each message, and the test
backends record every call, repeated keys included, as the real email and SMS channels send them."""

from email import message_from_bytes

from django.core import mail

from reminders.channels import EmailChannel, OutgoingMessage, RecordingSMSBackend, message_id_part


def message(key: str = "appointment:42:48h#0") -> OutgoingMessage:
    return OutgoingMessage(key, "613-555-0101", "Appointment reminder", "You have an appointment.")


def test_the_recording_backend_records_a_repeated_key_every_time(recording):
    RecordingSMSBackend().send(message())
    RecordingSMSBackend().send(message())
    assert [m["key"] for m in recording.sent()] == ["appointment:42:48h#0"] * 2


def test_email_carries_a_message_id_made_from_the_reminder_key(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "LBP Pathway <reminders@clinic.example.org>"
    outgoing = OutgoingMessage("appointment:42:48h#0", "a@example.org", "Reminder", "Body")
    reference = EmailChannel().send(outgoing)
    EmailChannel().send(outgoing)  # sent again after a crash: the same Message-ID
    first, second = mail.outbox
    assert reference == "<appointment=3A42=3A48h#0@clinic.example.org>"
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"] == reference
    assert first.extra_headers["X-Idempotency-Key"] == "appointment:42:48h#0"
    parsed = message_from_bytes(first.message().as_bytes())
    assert parsed["Message-ID"] == reference


def test_different_keys_never_share_a_message_id():
    keys = ["a:b", "a.b", "a=3Ab", "a b", "a_b"]
    assert len({message_id_part(k) for k in keys}) == len(keys)
