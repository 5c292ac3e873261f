"""SMS backends that misbehave on purpose (named by SMS_BACKEND in tests)."""

from reminders.channels import OutgoingMessage, PermanentSendError, TransientSendError

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
