"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30-second steps), the codes that
authenticator apps show. Plain Python: no Django, no third-party library."""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended length), base32 without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def time_step(at: float, step: int = STEP_SECONDS) -> int:
    return int(at // step)


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    # RFC 4226 section 5.3: dynamic truncation of the HMAC.
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def totp(secret: str, at: float, digits: int = DIGITS, digest: str = "sha1") -> str:
    return hotp(_key(secret), time_step(at), digits, digest)


def matching_step(
    secret: str, code: str, at: float, *, after_step: int = 0, window: int = 1
) -> int | None:
    """The time step whose code equals `code`, allowing `window` steps of clock drift either way,
    or None. Steps at or before `after_step` (already used) never match, so a code works once."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = _key(secret)
    now = time_step(at)
    for candidate in range(now - window, now + window + 1):
        if candidate > after_step and hmac.compare_digest(hotp(key, candidate), code):
            return candidate
    return None


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI that authenticator apps read (Google Authenticator key URI format)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": 30}
    )
