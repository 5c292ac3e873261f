"""Uploaded files: checked by content (not by the name or the browser's word), size-limited, stored
under random names outside any served path, and sent back only by a view that has checked access.

    document = models.FileField(
        upload_to=private_upload_to, storage=private_storage, validators=[UploadValidator()]
    )
    ...
    @role_required(*CLINICAL_ROLES)
    def report_file(request, referral_id):
        referral = access.referral_for(request, referral_id)
        return protected_download(request, referral.report, "report.pdf")
"""

from __future__ import annotations

import mimetypes
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext

# Kinds we accept, each with its file extensions and a check of the first bytes.
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "txt": ((".txt",), "text/plain"),
}
SNIFF_BYTES = 8192


def sniff(head: bytes) -> str | None:
    """The kind of file these first bytes begin, or None when it is none we accept."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sample may end inside a multi-byte character.
        if error.start < len(head) - 3:
            return None
        text = head[: error.start].decode("utf-8")
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype", "<html", "<script", "<svg", "<?xml")):
        return None  # markup that a browser would run is not plain text
    return "txt"


@deconstructible
class UploadValidator:
    """Refuse a file whose content is not one of `kinds`, whose extension does not match its
    content, or that is larger than `max_bytes` (default settings.UPLOAD_MAX_BYTES)."""

    def __init__(
        self, kinds: tuple[str, ...] = ("pdf", "png", "jpeg", "txt"), max_bytes: int | None = None
    ) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"Unknown upload kinds: {sorted(unknown)}")
        self.kinds = tuple(kinds)
        self.max_bytes = max_bytes

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UploadValidator)
            and self.kinds == other.kinds
            and self.max_bytes == other.max_bytes
        )

    def __call__(self, upload: File[bytes]) -> None:
        limit = self.max_bytes or settings.UPLOAD_MAX_BYTES
        size = getattr(upload, "size", None)
        if size is None or size > limit:
            raise ValidationError(
                gettext("The file is too large: at most {size} MB.").format(
                    size=limit // (1024 * 1024) or 1
                ),
                code="file_too_large",
            )
        if size == 0:
            raise ValidationError(gettext("The file is empty."), code="file_empty")
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        kind = sniff(head)
        allowed = ", ".join(k.upper() for k in self.kinds)
        if kind not in self.kinds:
            raise ValidationError(
                gettext("This kind of file is not accepted. Upload {allowed}.").format(
                    allowed=allowed
                ),
                code="file_type",
            )
        extension = Path(getattr(upload, "name", "") or "").suffix.lower()
        if extension not in KINDS[kind][0]:
            raise ValidationError(
                gettext("The file name ends in {extension} but the file is {kind}.").format(
                    extension=extension or gettext("nothing"), kind=kind.upper()
                ),
                code="file_extension",
            )


def private_upload_to(instance: models.Model, filename: str) -> str:
    """A random, unguessable name; the original name is never part of the path."""
    extension = Path(filename).suffix.lower()
    if extension not in {e for extensions, _ in KINDS.values() for e in extensions}:
        extension = ""
    return f"{instance._meta.app_label}/{uuid.uuid4().hex}{extension}"


class PrivateFileStorage(FileSystemStorage):
    """Files under MEDIA_ROOT/private, which no URL pattern or web server serves. They have no URL:
    a view checks access, audits, then calls protected_download."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / "private")

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL: send them with protected_download().")


private_storage = PrivateFileStorage()


def protected_download(
    request: HttpRequest, field_file: FieldFile, download_name: str, *, inline: bool = False
) -> FileResponse:
    """Send a stored file to a user the calling view has already checked (and audited).

    Never cached, never sniffed into another type, offered as a download by default."""
    if not field_file:
        raise Http404("No file.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404("No file.") from error
    content_type = mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=not inline, filename=download_name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
