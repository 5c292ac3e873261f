from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from referrals import postal_codes, rules
from referrals.models import Destination, Referral, ReferralSuggestion
from triage import labels as triage_labels
from triage import rules as triage_rules

if TYPE_CHECKING:
    # Django's form classes take no type arguments at run time; only mypy sees these.
    _DestinationChoiceFieldBase = forms.ModelChoiceField[Destination]
    _ReferralFormBase = forms.ModelForm[Referral]
else:
    _DestinationChoiceFieldBase = forms.ModelChoiceField
    _ReferralFormBase = forms.ModelForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
REPORT_SNIFF_BYTES = 4096


class RoutingReviewForm(forms.Form):
    """The triage answers and assessment facts routing suggestions are based on."""

    symptoms_started_on = forms.DateField(
        label=_("Symptoms started on"), widget=DATE_INPUT, help_text=_("Start of this episode")
    )
    recurrent_episode = forms.BooleanField(
        label=_("A recurrence of earlier back pain"), required=False
    )
    red_flags = forms.MultipleChoiceField(
        label=_("Red flags present"),
        required=False,
        choices=triage_labels.red_flag_choices(triage_rules.RED_FLAG_CODES),
        widget=forms.CheckboxSelectMultiple,
    )
    risk = forms.ChoiceField(
        label=_("STarT Back risk"),
        choices=[
            ("", _("Not known")),
            ("low", _("Low")),
            ("medium", _("Medium")),
            ("high", _("High")),
        ],
        required=False,
    )
    leg_dominant = forms.BooleanField(label=_("Leg-dominant pain"), required=False)
    surgical_candidate = forms.BooleanField(
        label=_("Possible surgical or injection candidate"), required=False
    )
    not_improving = forms.BooleanField(label=_("Not improving despite care"), required=False)
    opioid_concerns = forms.BooleanField(label=_("Concerns about opioid use"), required=False)
    private_physio_coverage = forms.BooleanField(
        label=_("Has private physiotherapy coverage"), required=False
    )
    wsib_claim = forms.BooleanField(label=_("Active WSIB claim"), required=False)
    motor_vehicle_claim = forms.BooleanField(label=_("Active motor vehicle claim"), required=False)
    legal_claim = forms.BooleanField(label=_("Active legal claim"), required=False)
    pregnant = forms.BooleanField(label=_("Pregnant"), required=False)
    delivery_date = forms.DateField(
        label=_("Gave birth on (if in the last year)"), required=False, widget=DATE_INPUT
    )
    unmanaged_chronic_multisite_pain = forms.BooleanField(
        label=_("Unmanaged chronic pain in several sites"), required=False
    )
    unmanaged_narcotic_dependency = forms.BooleanField(
        label=_("Unmanaged narcotic dependency"), required=False
    )
    inflammatory_features = forms.MultipleChoiceField(
        label=_("Features of inflammatory back pain"),
        required=False,
        choices=triage_labels.inflammatory_feature_choices(),
        widget=forms.CheckboxSelectMultiple,
    )
    age_at_lbp_onset = forms.IntegerField(
        label=_("Age when back pain first started"), required=False, min_value=0, max_value=130
    )

    def clean_symptoms_started_on(self) -> date:
        value: date = self.cleaned_data["symptoms_started_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(gettext("The start of symptoms cannot be in the future."))
        return value

    def clean_delivery_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("delivery_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(gettext("The delivery date cannot be in the future."))
        return value


class SuggestionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (ReferralSuggestion.Decision.ACCEPTED, _("Accept")),
            (ReferralSuggestion.Decision.CHANGED, pgettext_lazy("verb", "Change")),
            (ReferralSuggestion.Decision.DECLINED, _("Decline")),
        ]
    )
    changed_to_kind = forms.ChoiceField(
        label=_("Refer instead to"),
        choices=[("", "—")] + [(kind, _(label)) for kind, label in rules.KIND_LABELS.items()],
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        decision = data.get("decision")
        if decision in ("changed", "declined") and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("Say why you change or decline this suggestion."))
        if decision == "changed" and not data.get("changed_to_kind"):
            self.add_error("changed_to_kind", gettext("Choose where to refer instead."))
        return data


class MatchForm(forms.Form):
    """Where to measure distance from, and optional preferences (GET)."""

    from_postal_code = forms.CharField(
        label=_("Second address postal code (e.g. work)"),
        required=False,
        max_length=7,
        help_text=_("Leave empty to match from the patient's home postal code."),
    )
    language = forms.CharField(label=_("Language"), required=False, max_length=30)
    provider_gender = forms.ChoiceField(
        label=_("Provider gender"),
        required=False,
        choices=[("", pgettext_lazy("no preference", "Any")), *Destination.Gender.choices],
    )

    def clean_from_postal_code(self) -> str:
        value = self.cleaned_data.get("from_postal_code", "").strip()
        if value and not postal_codes.is_valid(value):
            raise forms.ValidationError(
                gettext("Enter a Canadian postal code such as K7L 3N6 or K7L.")
            )
        return postal_codes.display(value) if value else ""


class DestinationChoiceField(_DestinationChoiceFieldBase):
    """Destinations labelled from their match (distance, next availability) when there is one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matches: dict[int, Destination] = {}

    def label_from_instance(self, obj: Destination) -> str:
        return _destination_label(self.matches.get(obj.pk, obj))


class ReferralForm(_ReferralFormBase):
    """Choose the destination among the matches and write the letter."""

    destination = DestinationChoiceField(
        queryset=Destination.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label=_("Destination"),
    )
    from_postal_code = forms.CharField(required=False, widget=forms.HiddenInput)
    language = forms.CharField(required=False, widget=forms.HiddenInput)
    provider_gender = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Referral
        fields = [
            "destination",
            "override_reason",
            "override_note",
            "reason",
            "findings",
            "tried",
            "question",
            "imaging_reason",
        ]
        labels = {
            "override_reason": _("Reason for not choosing the first match"),
            "override_note": _("Override details"),
            "question": _("The question you ask"),
        }
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 2}),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "tried": forms.Textarea(attrs={"rows": 2}),
            "question": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        matches: list[Destination],
        kind: str,
        imaging_outside_guideline: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.matches = matches
        self.kind = kind
        self.imaging_outside_guideline = kind == rules.IMAGING and imaging_outside_guideline
        destination = self.fields["destination"]
        assert isinstance(destination, DestinationChoiceField)
        destination.queryset = Destination.objects.filter(pk__in=[m.pk for m in matches])
        destination.matches = {m.pk: m for m in matches}
        if matches and not self.is_bound:
            self.initial.setdefault("destination", matches[0].pk)
        if self.imaging_outside_guideline:
            self.fields["imaging_reason"].required = True
            self.fields["imaging_reason"].help_text = gettext(
                "No red flag and not a surgical candidate: imaging is outside the guideline "
                "(NICE NG59). State why it is needed."
            )
        else:
            del self.fields["imaging_reason"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        destination = data.get("destination")
        if destination and self.matches and destination.pk != self.matches[0].pk:
            if not data.get("override_reason"):
                self.add_error(
                    "override_reason",
                    gettext(
                        "You chose another destination than the first match (%(name)s): give "
                        "the reason."
                    )
                    % {"name": self.matches[0].name},
                )
        if self.imaging_outside_guideline and not (data.get("imaging_reason") or "").strip():
            self.add_error(
                "imaging_reason", gettext("Imaging outside the guideline needs a stated reason.")
            )
        return data


def _destination_label(destination: Destination) -> str:
    distance = getattr(destination, "distance_km", None)
    parts = [destination.name]
    if distance is not None:
        parts.append(f"{distance:.1f} km")
    if destination.next_available_on:
        parts.append(
            gettext("next available %(date)s")
            % {"date": f"{destination.next_available_on:%Y-%m-%d}"}
        )
    return " · ".join(parts)


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (status, pgettext_lazy("referral status", label))
            for status, label in rules.STATUS_LABELS.items()
        ],
    )
    on = forms.DateField(label=_("On"), widget=DATE_INPUT, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_on(self) -> date:
        value: date = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(gettext("A status change cannot be dated in the future."))
        return value


class ReportForm(forms.Form):
    report = forms.FileField(
        label=_("Report (PDF, text, PNG or JPEG, up to 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.txt,.png,.jpg,.jpeg"}),
    )

    def clean_report(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["report"]
        # FileField has already refused an empty upload, so the size is known.
        if (upload.size or 0) > rules.MAX_REPORT_BYTES:
            raise forms.ValidationError(gettext("The file is larger than 10 MB."))
        upload.seek(0)
        head = upload.read(REPORT_SNIFF_BYTES)
        upload.seek(0)
        report_type = rules.sniff_report_type(head)
        if report_type is None:
            raise forms.ValidationError(
                gettext("This file is not a PDF, plain text, PNG or JPEG (judged by its content).")
            )
        self.report_type = report_type
        return upload
