"""Forms for sign-in, two-factor codes, break the glass, the audit log search and security settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lbp_pathway import services
from lbp_pathway.access import ROLE_LABELS, Role
from lbp_pathway.audit import client_address
from lbp_pathway.models import AuditEvent

LOCKED_MESSAGE = _(
    "This account is temporarily locked after too many failed sign-ins. Try again in {minutes} "
    "minutes, or ask an administrator to unlock it."
)


def locked_message() -> str:
    return str(LOCKED_MESSAGE).format(minutes=settings.SIGN_IN_LOCK_MINUTES)


class SignInForm(AuthenticationForm):
    """Django's sign-in form, throttled per username and address (lbp_pathway/throttle.py)."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        address = client_address(self.request) if self.request else None
        if username and services.sign_in_locked(username, address):
            raise ValidationError(locked_message(), code="locked")
        try:
            return super().clean()
        except ValidationError:
            if username and password is not None:
                if services.record_sign_in_failure(username, address):
                    raise ValidationError(locked_message(), code="locked") from None
            raise


class CodeForm(forms.Form):
    """At sign-in: six digits from the app, or one of the recovery codes (xxxx-xxxx)."""

    code = forms.CharField(
        label=_("Six-digit code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code: str = "".join(self.cleaned_data["code"].split()).replace("-", "").lower()
        is_totp = code.isascii() and code.isdigit() and len(code) == 6
        is_recovery = code.isascii() and code.isalnum() and len(code) == 8
        if not (is_totp or is_recovery):
            raise ValidationError(
                gettext("Enter the six digits your app shows, or a recovery code like abcd-efgh.")
            )
        return code


class EnrolCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].replace(" ", "")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise ValidationError(gettext("Enter the six digits your app shows."))
        return code


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Clinical reason for opening this record"),
        min_length=services.MIN_REASON_LENGTH,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log and reviewed by the privacy officer."),
    )


class AuditSearchForm(forms.Form):
    patient = forms.CharField(
        label=_("Patient"),
        required=False,
        max_length=100,
        help_text=_("Name, birth date (YYYY-MM-DD) or health card number."),
    )
    # Set when the privacy officer picks one of several patients found (and kept by the links).
    patient_id = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    username = forms.CharField(label=_("Username"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any")), *AuditEvent.Action.choices]
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data


class TwoFactorRulesForm(forms.Form):
    required_roles = forms.MultipleChoiceField(
        label=_("Roles that must use two-factor authentication"),
        required=False,
        choices=[(role.value, ROLE_LABELS[role]) for role in Role],
        widget=forms.CheckboxSelectMultiple,
    )

    def roles(self) -> set[Role]:
        return {Role(value) for value in self.cleaned_data["required_roles"]}
