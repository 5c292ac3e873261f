"""HTML to PDF (xhtml2pdf) for printable pages: handouts, consultation notes, referral letters."""

from __future__ import annotations

from io import BytesIO


def html_to_pdf(html: str) -> bytes | None:
    """The PDF of `html`, or None when xhtml2pdf reports an error."""
    # Imported on first use, deliberately (ruff allow-list in pyproject.toml): xhtml2pdf pulls in
    # reportlab and html5lib, which web workers, Celery and management commands rarely need.
    from xhtml2pdf import pisa

    output = BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    return None if result.err else output.getvalue()
