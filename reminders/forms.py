from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reminders.models import Reminder


def _any(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=_any(Reminder.Status.choices), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=_any(Reminder.Kind.choices), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_any(Reminder.Channel.choices), required=False
    )
    recipient = forms.RegexField(
        regex=r"^[PSps]-[0-9A-Fa-f]{10}$",
        required=False,
        label=_("Recipient reference"),
        help_text=_("e.g. P-1A2B3C4D5E (patients) or S-… (staff)"),
        error_messages={"invalid": _("A reference looks like P-1A2B3C4D5E or S-1A2B3C4D5E.")},
    )


class ResendForm(forms.Form):
    generation = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
