"""The languages of the app: the staff member's screens and the patient's messages.

The app speaks English and French (settings.LANGUAGES). A patient states a preferred language among
English, French or another one (named in free text, with an interpreter when needed); everything the
app writes to that patient is in French for French and in English otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The session key holding the signed-in staff member's saved language (set at sign-in and by the
# language switch; read by StaffLanguageMiddleware without a query).
STAFF_LANGUAGE_SESSION_KEY = "lbp_staff_language"

# What a patient's stated language looked like as free text before it became a choice: the French
# spellings and codes (fr, fr-CA, French, Français, francais…).
FRENCH_PREFIXES = ("fr", "français", "francais")
ENGLISH_PREFIXES = ("en", "anglais")


class Language(models.TextChoices):
    """A patient's preferred language."""

    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    OTHER = "other", _("Other")


# The language fields of the patient form (intake.forms.PatientForm).
FIELD_LABELS = {
    "preferred_language": _("Preferred language"),
    "other_language": _("Other language (name it)"),
    "interpreter_needed": _("Needs an interpreter"),
}
FIELD_HELP = {
    "preferred_language": _(
        "Reminders, handouts and questionnaires are sent in French for French, in English "
        "otherwise."
    ),
}
NAME_THE_LANGUAGE = _("Name the language the patient speaks.")

# Shown beside the patient's language wherever staff see it (patient header, record, letters).
INTERPRETER_NEEDED = _("Interpreter needed")


class StaffLanguage(models.TextChoices):
    """The language of a staff member's screens, named in that language."""

    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"


def parse_language(text: str) -> tuple[str, str]:
    """The choice (en, fr or other) and the other language's name for a free-text language.

    "French", "Français", "fr-CA" → ("fr", ""); "English", "" → ("en", ""); "Punjabi" → ("other",
    "Punjabi")."""
    value = (text or "").strip()
    lowered = value.lower()
    if not lowered or lowered.startswith(ENGLISH_PREFIXES) or lowered == Language.ENGLISH:
        return Language.ENGLISH.value, ""
    if lowered.startswith(FRENCH_PREFIXES):
        return Language.FRENCH.value, ""
    if lowered == Language.OTHER:
        return Language.OTHER.value, ""
    return Language.OTHER.value, value[:60]


def message_language(preferred_language: str) -> str:
    """The language (en or fr) of what the app writes to a patient who chose this language: French
    for French, English for English and for any other language."""
    code, _other = parse_language(preferred_language)
    return "fr" if code == Language.FRENCH else "en"


def speak_to_patient(request: HttpRequest, language_code: str) -> None:
    """A page the patient reaches by their own link (a questionnaire, a booking or an offered slot)
    speaks the patient's language, as the message carrying the link did, whatever the phone's
    language; unless the visitor chose a language with the page's switch (the language cookie)."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES):
        return
    translation.activate(language_code)
    request.LANGUAGE_CODE = translation.get_language()
