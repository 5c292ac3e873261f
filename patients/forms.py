from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.identifiers import InvalidIdentifier, normalise_postal_code
from intake.phones import InvalidPhoneNumber, to_e164
from patients.questions import EMERGENCY_QUESTIONS, URGENT_QUESTIONS

OLDEST_AGE_YEARS = 120
# An HTML tag or script ("<script>", "</b>", "<img ...", "<!doctype"); "<" before a space or a digit
# ("pain < 5", "< back") is plain text.
MARKUP = re.compile(r"<[/!]?[a-zA-Z]|javascript:", re.IGNORECASE)
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Please answer yes or no.")},
    )


class SelfReferralForm(forms.Form):
    """Every answer of the self-referral; `emergency_flags()` reads the emergency answers alone, so
    an emergency answer stops the form even when another field is wrong."""

    description = forms.CharField(
        label=_(
            "Tell us about your back pain: where it hurts, since when, what makes it better or "
            "worse."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please describe your back pain.")},
    )
    back_pain_main_reason = _yes_no(_("Is low back pain the main reason you want to see us?"))
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 1980-04-23.")},
    )
    postal_code = forms.CharField(label=_("Postal code"), max_length=7)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    consent_messages = forms.BooleanField(
        required=False,
        label=_(
            "You may send me messages about my visit (confirmation and reminders) by email or "
            "text message."
        ),
    )
    # Honeypot: hidden from people (CSS and aria-hidden); a bot that fills it gets a thank-you and
    # nothing is stored.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, question in EMERGENCY_QUESTIONS.items():
            self.fields[f"flag_{code}"] = _yes_no(question)
        for code, question in URGENT_QUESTIONS.items():
            self.fields[f"flag_{code}"] = _yes_no(question)
        for name in ("first_name", "last_name", "date_of_birth", "postal_code"):
            self.fields[name].error_messages["required"] = _("This answer is needed.")

    def emergency_fields(self) -> list[forms.BoundField]:
        return [self[f"flag_{code}"] for code in EMERGENCY_QUESTIONS]

    def urgent_fields(self) -> list[forms.BoundField]:
        return [self[f"flag_{code}"] for code in URGENT_QUESTIONS]

    def emergency_flags(self) -> list[str]:
        """Emergency codes answered yes, read straight from the submitted data."""
        return [code for code in EMERGENCY_QUESTIONS if self.data.get(f"flag_{code}") == "yes"]

    def is_bot(self) -> bool:
        return bool(str(self.data.get("website", "")).strip())

    def _plain(self, name: str) -> str:
        value: str = self.cleaned_data.get(name, "")
        if MARKUP.search(value):
            raise forms.ValidationError(
                _("Please write in plain words, without code or tags such as <script>.")
            )
        return value

    def clean_description(self) -> str:
        return self._plain("description")

    def clean_first_name(self) -> str:
        return self._plain("first_name")

    def clean_last_name(self) -> str:
        return self._plain("last_name")

    def clean_date_of_birth(self) -> date:
        born: date = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if today.year - born.year > OLDEST_AGE_YEARS:
            raise forms.ValidationError(_("Please check the year of birth."))
        return born

    def clean_postal_code(self) -> str:
        try:
            return normalise_postal_code(self.cleaned_data.get("postal_code", ""))
        except InvalidIdentifier as error:
            raise forms.ValidationError(
                _("Enter a Canadian postal code such as K7L 3N6.")
            ) from error

    def clean_phone(self) -> str:
        """Stored in E.164 (+16135550123), the form SMS providers take (intake/phones.py)."""
        value = self.cleaned_data.get("phone", "").strip()
        if not value:
            return ""
        try:
            return to_e164(value)
        except InvalidPhoneNumber as error:
            raise forms.ValidationError(
                _("Enter a phone number with its area code, such as 613-555-0123.")
            ) from error

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(
                _("Give us a phone number or an email address so we can reach you.")
            )
        return cleaned

    def red_flags(self) -> list[str]:
        codes = list(EMERGENCY_QUESTIONS) + list(URGENT_QUESTIONS)
        return [code for code in codes if self.cleaned_data.get(f"flag_{code}")]
