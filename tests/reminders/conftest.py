import pytest

from reminders.recording import read_recording


@pytest.fixture
def recording(tmp_path, settings, monkeypatch):
    """Email and SMS go to a recording file that keeps every call (no de-duplication); read it with
    recording.sent() (recording.attempts() is the same list)."""
    path = tmp_path / "sent.jsonl"
    settings.REMINDER_RECORDING_FILE = str(path)
    monkeypatch.setenv("REMINDER_RECORDING_FILE", str(path))
    settings.EMAIL_BACKEND = "reminders.recording.RecordingEmailBackend"
    settings.SMS_BACKEND = "reminders.channels.RecordingSMSBackend"
    settings.REMINDER_QUIET_HOURS = ""

    class Recording:
        def __init__(self) -> None:
            self.path = path

        def sent(self) -> list[dict]:
            return read_recording(path)

        def attempts(self) -> list[dict]:
            return self.sent()

    return Recording()
