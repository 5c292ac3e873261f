"""Documents for the patient and about the patient (the self-management handout, the consultation
note) in the patient's language, whatever the language of the staff member who prints them.

The PDFs declare their language (`<html lang>`, which xhtml2pdf writes to the PDF catalog as /Lang)
and a document title (`<title>`, written to the PDF's information dictionary as /Title)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from care_episodes.models import ConsultationNote
from intake.models import Patient

# The language tags written into the documents (Ontario: Canadian English and Canadian French).
LANGUAGE_TAGS = {"en": "en-CA", "fr": "fr-CA"}


def patient_language(patient: Patient) -> str:
    """'fr' or 'en': the patient's language for what they read (`Patient.language_code`; English
    when it is not set or is a language the app has no translation for)."""
    code = str(getattr(patient, "language_code", "") or "en").lower()
    code = code.replace("_", "-").split("-")[0]
    return code if code in LANGUAGE_TAGS else "en"


def render_in_language(
    language: str, template: str, context: dict[str, Any], request: HttpRequest | None = None
) -> str:
    """`template` rendered with `language` active, and `language_tag` (for `<html lang>`)."""
    with translation.override(language):
        return render_to_string(
            template, {**context, "language_tag": LANGUAGE_TAGS[language]}, request=request
        )


def handout_html(
    context: dict[str, Any], *, pdf: bool = False, request: HttpRequest | None = None
) -> str:
    """The handout (its body only, for the page; the whole document for the PDF) in the patient's
    language."""
    template = "care_episodes/pdf/handout.html" if pdf else "care_episodes/_handout_body.html"
    language = patient_language(context["episode"].patient)
    return render_in_language(language, template, context, request)


def note_pdf_html(note: ConsultationNote) -> str:
    """The consultation note as the document that becomes its PDF, in the patient's language (the
    note's own text is as the physiotherapist wrote it)."""
    return render_in_language(
        patient_language(note.episode.patient), "care_episodes/pdf/note.html", {"note": note}
    )
