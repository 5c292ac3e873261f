"""Delivery channels behind one small interface: `send(message) -> provider reference`.

Email goes through Django's email backends (EMAIL_BACKEND); SMS through the backend named by the
SMS_BACKEND setting. Each message carries its idempotency key: email puts it in the Message-ID header,
SMS backends hand it to the provider, so a send repeated after a crash is recognised as the same one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from reminders.recording import record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str


@dataclass(frozen=True)
class OutgoingMessage:
    idempotency_key: str
    to: str
    subject: str
    body: str
    # Files for channels that carry them (email); SMS sends the body only, which then holds a link.
    attachments: tuple[Attachment, ...] = ()


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
        for attachment in message.attachments:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
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


class TwilioSMSBackend:
    """SMS through Twilio's REST API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic
    auth (account SID : auth token), form-encoded To/From/Body; 201 answers with the message's `sid`.

    Configured by environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER and
    TWILIO_BASE_URL, which tests point at a local server). Twilio's answers are mapped to the outbox's
    two kinds of failure: a refused number (400 with code 21211 and the other 4xx 'bad request' codes,
    or 401/403/404: retrying cannot help) is permanent; 429 (rate limited), 5xx and network errors or
    timeouts are transient. The reminder's idempotency key goes in the I-Twilio-Idempotency-Token
    header so a repeated send can be matched in Twilio's request logs.
    """

    # Twilio codes for a number that can never receive this message.
    PERMANENT_CODES = frozenset({21211, 21214, 21408, 21610, 21612, 21614})

    def __init__(self) -> None:
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        self.from_number = settings.TWILIO_FROM_NUMBER
        self.base_url = settings.TWILIO_BASE_URL.rstrip("/")
        self.timeout = settings.TWILIO_TIMEOUT_SECONDS

    def send(self, message: OutgoingMessage) -> str:
        if not (self.account_sid and self.auth_token and self.from_number):
            # A configuration gap, not the patient's number: retried once the settings are fixed.
            raise TransientSendError(
                "Twilio is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER."
            )
        url = (
            f"{self.base_url}/2010-04-01/Accounts/"
            f"{urllib.parse.quote(self.account_sid, safe='')}/Messages.json"
        )
        data = urllib.parse.urlencode(
            {"To": message.to, "From": self.from_number, "Body": message.body}
        ).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the configured provider's)
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "I-Twilio-Idempotency-Token": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = _json_or_empty(response.read())
        except urllib.error.HTTPError as error:
            raise _twilio_error(error.code, _json_or_empty(error.read())) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TransientSendError(f"Twilio unreachable: {error}") from error
        sid = answer.get("sid")
        if not isinstance(sid, str) or not sid:
            raise TransientSendError("Twilio accepted the request without a message sid")
        return f"twilio:{sid}"


def _json_or_empty(raw: bytes) -> dict[str, object]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _twilio_error(status: int, answer: dict[str, object]) -> Exception:
    code = answer.get("code")
    text = f"Twilio {status}" + (f" error {code}: {answer.get('message', '')}" if code else "")
    if status == 429 or status >= 500:
        return TransientSendError(text)
    if code in TwilioSMSBackend.PERMANENT_CODES or status in (400, 401, 403, 404):
        return PermanentSendError(text)
    return TransientSendError(text)


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
