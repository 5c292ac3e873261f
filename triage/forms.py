"""Triage forms: STarT Back items, red flags and eligibility facts, the phone screen, clearances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from triage import labels, rules
from triage.instrument import PARAPHRASE, Wording

RADIO_ATTRS = {"class": "form-check-input"}


def sb_field_name(number: int) -> str:
    return f"sb_{number}"


@dataclass(frozen=True)
class StartBackRow:
    """One item as the template shows it: number, wording, what it measures, its radio field."""

    number: int
    text: str
    topic: str
    psychosocial: bool
    field: forms.BoundField


class StartBackForm(forms.Form):
    """The 9 STarT Back items as radio groups; an item left blank is unanswered (null)."""

    def __init__(self, *args: Any, wording: Wording = PARAPHRASE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wording = wording
        for item in rules.START_BACK_ITEMS:
            answers = rules.start_back_answers_for_item(item.number)
            if item.number == rules.START_BACK_ITEM_COUNT:
                shown = wording.item9_options
            else:
                shown = tuple(labels.answer_label(answer) for answer in answers)
            self.fields[sb_field_name(item.number)] = forms.ChoiceField(
                label=f"{item.number}. {wording.items[item.number - 1]}",
                choices=list(zip(answers, shown, strict=True)),
                widget=forms.RadioSelect(attrs=RADIO_ATTRS),
                required=False,
            )

    def start_back_rows(self) -> list[StartBackRow]:
        return [
            StartBackRow(
                number=item.number,
                text=self.wording.items[item.number - 1],
                topic=labels.topic(item),
                psychosocial=item.number in rules.PSYCHOSOCIAL_ITEMS,
                field=self[sb_field_name(item.number)],
            )
            for item in rules.START_BACK_ITEMS
        ]

    def answers(self) -> list[str | None]:
        return [
            self.cleaned_data.get(sb_field_name(n)) or None
            for n in range(1, rules.START_BACK_ITEM_COUNT + 1)
        ]

    @staticmethod
    def initial_from_answers(answers: list[str | None]) -> dict[str, str]:
        return {
            sb_field_name(n): answer
            for n, answer in enumerate(answers, start=1)
            if answer is not None
        }


class PatientQuestionnaireForm(StartBackForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if all(answer is None for answer in self.answers()):
            raise forms.ValidationError(
                gettext("Please answer at least one question before sending.")
            )
        return cleaned


def _not_in_future(value: date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError({field: gettext("This date is in the future.")})


class TriageForm(StartBackForm):
    """Everything the physiotherapist enters for one triage."""

    emergency_flags = forms.MultipleChoiceField(
        label=_("Emergency red flags"),
        choices=labels.red_flag_choices(rules.EMERGENCY_FLAGS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    urgent_flags = forms.MultipleChoiceField(
        label=_("Urgent red flags (family physician review)"),
        choices=labels.red_flag_choices(rules.URGENT_FLAGS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    contextual_flags = forms.MultipleChoiceField(
        label=_("Context (recorded, changes nothing alone)"),
        choices=labels.red_flag_choices(rules.CONTEXTUAL_FLAGS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    episode_start_date = forms.DateField(
        label=_("When did this episode of back pain start?"),
        help_text=_("For a recurrence, the date the recurrence started."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    recurrent_episode = forms.BooleanField(
        label=_("This is a recurrence of earlier back pain"), required=False
    )
    claim_wsib = forms.BooleanField(label=_("Active WSIB claim"), required=False)
    claim_motor_vehicle = forms.BooleanField(
        label=_("Active motor vehicle accident claim"), required=False
    )
    claim_legal = forms.BooleanField(label=_("Active legal claim"), required=False)
    pregnant = forms.BooleanField(label=_("Currently pregnant"), required=False)
    delivery_date = forms.DateField(
        label=_("Date of giving birth in the last year (if any)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    unmanaged_chronic_multisite_pain = forms.BooleanField(
        label=_("Unmanaged chronic pain in several sites"), required=False
    )
    unmanaged_narcotic_dependency = forms.BooleanField(
        label=_("Unmanaged narcotic dependency"), required=False
    )
    inflammatory_features = forms.MultipleChoiceField(
        label=_("Features of inflammatory back pain (optional)"),
        choices=labels.inflammatory_feature_choices(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    age_at_lbp_onset = forms.IntegerField(
        label=_("Age when back pain first started (optional, for the inflammatory screen)"),
        min_value=0,
        max_value=rules.MAX_AGE_AT_LBP_ONSET,
        required=False,
    )
    response_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    ELIGIBILITY_FIELDS = (
        "episode_start_date",
        "recurrent_episode",
        "claim_wsib",
        "claim_motor_vehicle",
        "claim_legal",
        "pregnant",
        "delivery_date",
        "unmanaged_chronic_multisite_pain",
        "unmanaged_narcotic_dependency",
    )
    INFLAMMATORY_FIELDS = ("inflammatory_features", "age_at_lbp_onset")

    def __init__(self, *args: Any, date_of_birth: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.date_of_birth = date_of_birth

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        _not_in_future(cleaned.get("episode_start_date"), "episode_start_date")
        _not_in_future(cleaned.get("delivery_date"), "delivery_date")
        start = cleaned.get("episode_start_date")
        if start is not None and self.date_of_birth is not None and start < self.date_of_birth:
            raise forms.ValidationError(
                {"episode_start_date": gettext("This date is before the patient's date of birth.")}
            )
        return cleaned

    def eligibility_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ELIGIBILITY_FIELDS]

    def inflammatory_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.INFLAMMATORY_FIELDS]

    def facts(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "episode_start_date": data["episode_start_date"],
            "recurrent_episode": data["recurrent_episode"],
            "claims": {
                "wsib": data["claim_wsib"],
                "motor_vehicle": data["claim_motor_vehicle"],
                "legal": data["claim_legal"],
            },
            "pregnant": data["pregnant"],
            "delivery_date": data["delivery_date"],
            "unmanaged_chronic_multisite_pain": data["unmanaged_chronic_multisite_pain"],
            "unmanaged_narcotic_dependency": data["unmanaged_narcotic_dependency"],
            "red_flags": [
                *data["emergency_flags"],
                *data["urgent_flags"],
                *data["contextual_flags"],
            ],
            "inflammatory_features": data["inflammatory_features"],
            "age_at_lbp_onset": data["age_at_lbp_onset"],
        }

    @staticmethod
    def initial_from_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
        """Prefill from a stored decision's case dict (the facts rarely change between triages)."""
        flags = inputs.get("red_flags") or []
        claims = inputs.get("claims") or {}
        return {
            "episode_start_date": inputs.get("episode_start_date"),
            "recurrent_episode": inputs.get("recurrent_episode", False),
            "claim_wsib": claims.get("wsib", False),
            "claim_motor_vehicle": claims.get("motor_vehicle", False),
            "claim_legal": claims.get("legal", False),
            "pregnant": inputs.get("pregnant", False),
            "delivery_date": inputs.get("delivery_date"),
            "unmanaged_chronic_multisite_pain": inputs.get(
                "unmanaged_chronic_multisite_pain", False
            ),
            "unmanaged_narcotic_dependency": inputs.get("unmanaged_narcotic_dependency", False),
            "emergency_flags": [f for f in flags if f in rules.EMERGENCY_FLAGS],
            "urgent_flags": [f for f in flags if f in rules.URGENT_FLAGS],
            "contextual_flags": [f for f in flags if f in rules.CONTEXTUAL_FLAGS],
            "inflammatory_features": inputs.get("inflammatory_features") or [],
            "age_at_lbp_onset": inputs.get("age_at_lbp_onset"),
        }


class PhoneScreenForm(forms.Form):
    back_pain_main_reason = forms.TypedChoiceField(
        label=_("Is back pain the main reason for the call?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Ask the caller and choose yes or no.")},
    )
    emergency_symptoms = forms.MultipleChoiceField(
        label=_("Any emergency symptom? Read each one to the caller and tick any they have."),
        choices=labels.red_flag_choices(rules.EMERGENCY_FLAGS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class ClearAlertForm(forms.Form):
    note = forms.CharField(
        label=_("Why the alert can be cleared"),
        help_text=_(
            "E.g. seen in the Emergency Department, reviewed, safe for routine pathway care."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
