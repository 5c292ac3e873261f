"""Delivery channels behind one small interface: `send(message) -> provider reference`.

Email goes through Django's email backends (EMAIL_BACKEND); SMS through the backend named by the
SMS_BACKEND setting. Each message carries its idempotency key: email puts it in the Message-ID header,
SMS backends hand it to the provider, so a send repeated after a crash is recognised as the same one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from reminders.recording import record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    idempotency_key: str
    to: str
    subject: str
    body: str


class TransientSendError(Exception):
    """The channel could not take the message now (network, provider busy): try again later."""


class PermanentSendError(Exception):
    """The message can never be delivered as addressed (refused address): do not retry."""


class Channel(Protocol):
    def send(self, message: OutgoingMessage) -> str: ...


def message_id_part(key: str) -> str:
    """The idempotency key as the left part of a Message-ID (RFC 5322 dot-atom text): characters not
    allowed there, and '=' itself, are written =XX, so two keys never share a Message-ID and the
    same key always gives the same one."""
    return "".join(c if _ATEXT.fullmatch(c) else f"={ord(c):02X}" for c in key)


_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/?^_`{|}~.-]")


class EmailChannel:
    def send(self, message: OutgoingMessage) -> str:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "localhost"
        message_id = f"<{message_id_part(message.idempotency_key)}@{domain}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.to],
            headers={"Message-ID": message_id, "X-Idempotency-Key": message.idempotency_key},
        )
        try:
            get_connection(fail_silently=False).send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentSendError(f"address refused: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransientSendError(f"{type(error).__name__}: {error}") from error
        return message_id


class LoggingSMSBackend:
    """Demo SMS backend: writes the message to the log instead of sending it."""

    def send(self, message: OutgoingMessage) -> str:
        # No personal information in logs: the number is shown by its last two digits only.
        masked = "…" + message.to[-2:] if message.to else ""
        log.info("SMS to %s [%s]: %s", masked, message.idempotency_key, message.body)
        return f"log:{message.idempotency_key}"


class RecordingSMSBackend:
    """Test SMS backend: records every message it is given in a file that other processes can read,
    repeated keys included (see reminders/recording.py)."""

    def send(self, message: OutgoingMessage) -> str:
        return record("sms", message.to, message.subject, message.body, message.idempotency_key)


class SMSChannel:
    def __init__(self) -> None:
        self.backend: Channel = import_string(settings.SMS_BACKEND)()

    def send(self, message: OutgoingMessage) -> str:
        try:
            return self.backend.send(message)
        except (PermanentSendError, TransientSendError):
            raise
        except OSError as error:
            raise TransientSendError(f"{type(error).__name__}: {error}") from error


# Webhooks: a small JSON notice POSTed to a partner system, signed so the partner knows it came from
# us and was not changed or replayed. The signature is HMAC-SHA256, under the partner's secret, of
# "<timestamp>.<body>"; the partner recomputes it and refuses a timestamp more than a few minutes old.
SIGNATURE_HEADER = "X-LBP-Signature"
TIMESTAMP_HEADER = "X-LBP-Timestamp"
DELIVERY_HEADER = "X-LBP-Delivery"
# Answers worth trying again later: the partner is busy, down or slow, not refusing the notice.
RETRY_STATUSES = frozenset({408, 425, 429}) | frozenset(range(500, 600))


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def post_webhook(
    url: str,
    payload: dict[str, Any],
    *,
    secret: str,
    idempotency_key: str,
    timeout: float,
    now: float | None = None,
) -> str:
    """POST `payload` as JSON to `url`, signed; return the answer's status line. A refused notice
    (4xx other than 408/425/429) raises PermanentSendError; a timeout, a network error or a 5xx
    TransientSendError. Redirects are not followed (the configured address is the address)."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(now if now is not None else time.time()))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "LBP-Pathway-webhook/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: webhook_signature(secret, timestamp, body),
            DELIVERY_HEADER: idempotency_key,
        },
    )
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=timeout) as answer:
            return f"HTTP {answer.status}"
    except urllib.error.HTTPError as error:
        detail = f"HTTP {error.code} from the partner"
        if error.code in RETRY_STATUSES:
            raise TransientSendError(detail) from error
        raise PermanentSendError(detail) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TransientSendError(f"{type(reason).__name__}: {reason}"[:300]) from error


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def channel_for(name: str) -> Channel:
    if name == "email":
        return EmailChannel()
    if name == "sms":
        return SMSChannel()
    raise ValueError(f"no outgoing channel called {name!r}")
