"""The Twilio SMS backend against a local HTTP server that answers like Twilio's Messages resource
(POST /2010-04-01/Accounts/{AccountSid}/Messages.json, Basic auth, form-encoded To/From/Body)."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reminders.channels import (
    OutgoingMessage,
    PermanentSendError,
    SMSChannel,
    TransientSendError,
)

SID = "AC" + "0" * 32
TOKEN = "test-auth-token"
FROM = "+16135550100"


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]]
    mode: str

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.server.requests.append(  # type: ignore[attr-defined]
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "idempotency": self.headers.get("I-Twilio-Idempotency-Token"),
                "form": {k: v[0] for k, v in form.items()},
            }
        )
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            self._answer(404, {"code": 20404, "message": "not found", "status": 404})
            return
        if (
            self.headers.get("Authorization")
            != "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        ):
            self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        mode = self.server.mode  # type: ignore[attr-defined]
        if mode == "timeout":
            time.sleep(3)
            return
        if mode == "rate_limited":
            self._answer(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
            return
        if not form["To"][0].startswith("+1613"):
            self._answer(
                400,
                {
                    "code": 21211,
                    "message": f"The 'To' number {form['To'][0]} is not a valid phone number.",
                    "more_info": "https://www.twilio.com/docs/errors/21211",
                    "status": 400,
                },
            )
            return
        self._answer(
            201,
            {"sid": "SM" + "a" * 32, "status": "queued", "to": form["To"][0], "from": FROM},
        )


@pytest.fixture
def twilio(settings: Any) -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    server.requests = []  # type: ignore[attr-defined]
    server.mode = "normal"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "reminders.channels.TwilioSMSBackend"
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = FROM
    settings.TWILIO_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWILIO_TIMEOUT_SECONDS = 1
    yield server
    server.shutdown()
    server.server_close()


def message(to: str = "+16135550199") -> OutgoingMessage:
    return OutgoingMessage(
        idempotency_key="appointment:42:48h", to=to, subject="", body="See you Tuesday 9:00"
    )


def test_accepted_message_returns_twilio_sid_and_posts_the_documented_form(twilio: Any) -> None:
    reference = SMSChannel().send(message())

    assert reference == "twilio:SM" + "a" * 32
    [request] = twilio.requests
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {"To": "+16135550199", "From": FROM, "Body": "See you Tuesday 9:00"}
    assert request["idempotency"] == "appointment:42:48h"


def test_invalid_number_21211_is_permanent(twilio: Any) -> None:
    with pytest.raises(PermanentSendError, match="21211"):
        SMSChannel().send(message(to="+15555550100"))


def test_rate_limited_is_transient(twilio: Any) -> None:
    twilio.mode = "rate_limited"
    with pytest.raises(TransientSendError, match="429"):
        SMSChannel().send(message())


def test_timeout_is_transient(twilio: Any) -> None:
    twilio.mode = "timeout"
    started = time.monotonic()
    with pytest.raises(TransientSendError):
        SMSChannel().send(message())
    assert time.monotonic() - started < 2.5


def test_wrong_credentials_are_not_retried(twilio: Any, settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(PermanentSendError, match="401"):
        SMSChannel().send(message())


def test_missing_configuration_is_reported_and_nothing_is_posted(
    twilio: Any, settings: Any
) -> None:
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(TransientSendError, match="TWILIO_ACCOUNT_SID"):
        SMSChannel().send(message())
    assert twilio.requests == []
