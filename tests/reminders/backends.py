"""SMS backends that misbehave on purpose (named by SMS_BACKEND in tests)."""

from reminders.channels import (
    OutgoingMessage,
    PermanentSendError,
    RecordingSMSBackend,
    TransientSendError,
)

calls: list[OutgoingMessage] = []


class UnreachableSMSBackend:
    def send(self, message: OutgoingMessage) -> str:
        calls.append(message)
        raise TransientSendError("provider timed out")


class RefusingSMSBackend:
    def send(self, message: OutgoingMessage) -> str:
        calls.append(message)
        raise PermanentSendError("not a mobile number")


class BrokenSMSBackend:
    def send(self, message: OutgoingMessage) -> str:
        calls.append(message)
        raise ConnectionResetError("connection reset by peer")


class DyingAfterOneSMSBackend:
    """Takes the first message, then the process dies while the provider takes the second."""

    def __init__(self) -> None:
        self.taken = 0

    def send(self, message: OutgoingMessage) -> str:
        if self.taken:
            raise SystemExit("killed")
        self.taken += 1
        return RecordingSMSBackend().send(message)
