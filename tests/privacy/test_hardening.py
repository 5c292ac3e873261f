"""Web hardening: strict templates (no inline script or style), CSRF on every form, security headers,
no personal health information in logs or error pages, checked uploads served only on purpose."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lbp_pathway.phi_logging import ScrubPersonalInformation, scrub
from lbp_pathway.uploads import UploadValidator, private_storage, protected_download, sniff
from tests.foundation.test_settings import production_env

ROOT = Path(settings.BASE_DIR)


def all_templates() -> list[Path]:
    found = []
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" not in folder.parts:
            found.extend(folder.rglob("*.html"))
    return sorted(found)


TEMPLATES = all_templates()
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
POST_FORM = re.compile(
    r"<form\b[^>]*method=[\"']?post[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL
)


def test_the_scan_sees_every_apps_templates():
    names = {path.name for path in TEMPLATES}
    assert {"base.html", "login.html", "audit_log.html", "physio_home.html"} <= names


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_keep_to_the_strict_content_security_policy(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script> without src: move it to static/js/"
    assert not EVENT_HANDLER.search(text), "on*= handler: attach it in static/js/ instead"
    assert not STYLE_ATTRIBUTE.search(text), "style= attribute: use a class in static/css/"
    assert not JAVASCRIPT_URL.search(text), "javascript: URL"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_post_form_carries_a_csrf_token(template):
    for form in POST_FORM.findall(template.read_text()):
        assert "{% csrf_token %}" in form, f"a POST form in {template.name} has no csrf_token"


def test_the_scan_catches_what_it_forbids():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js"></script>')
    assert EVENT_HANDLER.search('<button onclick="go()">')
    assert STYLE_ATTRIBUTE.search('<div style="color:red">')


@pytest.mark.django_db
def test_pages_forbid_framing_and_inline_scripts(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_production_cookies_are_https_only_with_hsts():
    code = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SESSION_COOKIE_HTTPONLY)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["True"] * 5, result.stderr


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("health card 1234-567-890-AB for patient", "health card [health card removed] for"),
        ("card 1234567890 seen", "card [health card removed] seen"),
        ("mail jane.doe@example.org now", "mail [email removed] now"),
        ("call (613) 555-0199 today", "call [phone removed] today"),
        (
            "GET /frontdesk/patients/?q=Tremblay HTTP/1.1",
            "GET /frontdesk/patients/?[query removed]",
        ),
        ("episode 42 booked", "episode 42 booked"),
    ],
)
def test_log_scrubbing_masks_personal_information(text, kept):
    assert kept in scrub(text)


def test_logged_errors_keep_no_personal_information_even_in_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ScrubPersonalInformation())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("tests.privacy.scrub")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("bad card 1234 567 890 for jane@example.org")
        except ValueError:
            logger.exception("failed for %s", "jane@example.org")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "jane@example.org" not in output and "1234 567 890" not in output
    assert "ValueError" in output


def test_every_configured_log_handler_scrubs():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "scrub_phi" in handler.get("filters", []), name


@pytest.mark.urls("tests.privacy.urls")
@pytest.mark.django_db
def test_the_error_page_is_generic(settings, caplog):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/test/fail/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "1234-567-890" not in body and "jane.doe" not in body and "RuntimeError" not in body


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("letter.pdf", PDF, None),
        ("scan.png", PNG, None),
        ("photo.JPG", JPEG, None),
        ("notes.txt", "Douleur lombaire — notes".encode(), None),
        ("letter.pdf", b"MZ\x90\x00 executable", "not accepted"),
        ("page.txt", b"<html><script>alert(1)</script>", "not accepted"),
        ("image.png", PDF, "ends in .png"),
        ("letter.exe", PDF, "ends in .exe"),
        ("empty.txt", b"", "empty"),
        ("big.pdf", PDF + b"0" * 2048, "too large"),
    ],
)
def test_uploads_are_checked_by_content_extension_and_size(name, content, error):
    validator = UploadValidator(max_bytes=1024)
    upload = SimpleUploadedFile(name, content)
    if error is None:
        validator(upload)
        assert upload.read(4) == content[:4]  # the validator leaves the file readable
    else:
        with pytest.raises(ValidationError, match=error):
            validator(upload)


def test_text_sniffing_refuses_binary():
    assert sniff(b"plain words") == "txt"
    assert sniff(b"bad \x00 byte") is None
    assert sniff(b"\xc3\x28 invalid utf-8 here") is None


def test_private_files_have_no_public_url_and_are_sent_only_as_private_downloads(
    rf, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    name = private_storage.save("intake/abc.pdf", io.BytesIO(PDF))
    assert (tmp_path / "private" / name).exists()
    with pytest.raises(ValueError):
        private_storage.url(name)

    class Stored:
        def __init__(self, name):
            self.name = name

        def __bool__(self):
            return True

        def open(self, mode):
            return private_storage.open(self.name, mode)

    response = protected_download(rf.get("/"), Stored(name), "referral letter.pdf")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
