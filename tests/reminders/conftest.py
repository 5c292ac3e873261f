import pytest

from reminders.recording import read_recording


@pytest.fixture
def recording(tmp_path, settings, monkeypatch):
    """Email and SMS go to a recording file; read it with recording.sent() / recording.attempts()."""
    path = tmp_path / "sent.jsonl"
    settings.REMINDER_RECORDING_FILE = str(path)
    monkeypatch.setenv("REMINDER_RECORDING_FILE", str(path))
    settings.EMAIL_BACKEND = "reminders.recording.RecordingEmailBackend"
    settings.SMS_BACKEND = "reminders.channels.RecordingSMSBackend"
    settings.REMINDER_QUIET_HOURS = ""

    class Recording:
        def __init__(self) -> None:
            self.path = path

        def lines(self, event: str) -> list[dict]:
            return [line for line in read_recording(path) if line["event"] == event]

        def sent(self) -> list[dict]:
            return self.lines("accepted")

        def attempts(self) -> list[dict]:
            return self.lines("attempt")

    return Recording()
