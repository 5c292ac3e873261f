import logging

from reminders.channels import LoggingSMSBackend, OutgoingMessage


def test_the_demo_sms_backend_never_logs_the_phone_number(caplog):
    message = OutgoingMessage(
        idempotency_key="appointment:7:48h#0",
        to="613-555-0123",
        subject="",
        body="You have an appointment at Downtown on Monday at 9:00 AM.",
    )
    with caplog.at_level(logging.INFO):
        LoggingSMSBackend().send(message)
    assert "appointment:7:48h#0" in caplog.text
    assert "555-0123" not in caplog.text
    assert "…23" in caplog.text
