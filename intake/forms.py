from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care_episodes.models import VisitMode
from intake import selectors
from intake.identifiers import (
    InvalidIdentifier,
    check_birth_date,
    normalise_health_card,
    normalise_postal_code,
    normalise_version_code,
)
from intake.models import (
    AppointmentType,
    GroupSession,
    IncomingReferral,
    Patient,
    Site,
    WaitlistEntry,
)
from intake.phones import InvalidPhoneNumber, to_e164
from intake.services import PATIENT_FIELDS
from intake.slots import AFTERNOON, MORNING
from intake.visit_modes import VisitModeRefused, check_video_link
from intake.wording import refusal
from lbp_pathway import languages
from lbp_pathway.access import PRIMARY_CARE, Role

if TYPE_CHECKING:
    # Django's form classes take no type arguments at run time; only mypy sees these.
    _PersonChoiceFieldBase = forms.ModelChoiceField[User]
    _PatientFormBase = forms.ModelForm[Patient]
    _ReferralFormBase = forms.ModelForm[IncomingReferral]
    _WaitlistFormBase = forms.ModelForm[WaitlistEntry]
else:
    _PersonChoiceFieldBase = forms.ModelChoiceField
    _PatientFormBase = _ReferralFormBase = _WaitlistFormBase = forms.ModelForm


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's bound copy of a model choice field, to set its queryset or empty label."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class PersonChoiceField(_PersonChoiceFieldBase):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class PatientForm(_PatientFormBase):
    """Demographics as the front desk records them; identifiers are checked and normalised."""

    family_physician = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Not in the team / unknown"),
        label=_("Family physician"),
    )
    # Typed with spaces or dashes as printed on the card; stored as its 10 digits.
    health_card_number = forms.CharField(
        max_length=14,
        required=False,
        label=_("Ontario health card number"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "date_of_birth": _("Date of birth"),
            "sex": _("Sex"),
            "health_card_version": _("Version code"),
            "phone": _("Phone"),
            "email": _("Email"),
            "postal_code": _("Postal code"),
            "consent_email_reminders": _("Agrees to reminders by email"),
            "consent_sms_reminders": _("Agrees to reminders by text message (SMS)"),
            "gender": _("Gender (as the patient describes it)"),
            **languages.FIELD_LABELS,
        }
        help_texts = languages.FIELD_HELP

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        physicians = selectors.users_with_role(*PRIMARY_CARE)
        model_choice_field(self, "family_physician").queryset = physicians

    def clean_date_of_birth(self) -> date:
        value: date = self.cleaned_data["date_of_birth"]
        try:
            return check_birth_date(value, today=timezone.localdate())
        except InvalidIdentifier as error:
            raise forms.ValidationError(refusal(error)) from error

    def clean_health_card_number(self) -> str | None:
        value = self.cleaned_data.get("health_card_number") or ""
        if not value.strip():
            return None
        try:
            return normalise_health_card(value)
        except InvalidIdentifier as error:
            raise forms.ValidationError(refusal(error)) from error

    def clean_health_card_version(self) -> str:
        try:
            return normalise_version_code(self.cleaned_data.get("health_card_version", ""))
        except InvalidIdentifier as error:
            raise forms.ValidationError(refusal(error)) from error

    def clean_postal_code(self) -> str:
        value = self.cleaned_data.get("postal_code", "")
        if not value.strip():
            return ""
        try:
            return normalise_postal_code(value)
        except InvalidIdentifier as error:
            raise forms.ValidationError(refusal(error)) from error

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        if not value.strip():
            return ""
        try:
            return to_e164(value)
        except InvalidPhoneNumber as error:
            raise forms.ValidationError(str(error)) from error

    def clean_other_language(self) -> str:
        other: str = self.cleaned_data.get("other_language", "").strip()
        if self.cleaned_data.get("preferred_language") != languages.Language.OTHER:
            return ""
        if not other:
            raise forms.ValidationError(languages.NAME_THE_LANGUAGE)
        return other

    def validate_unique(self) -> None:
        # The service explains a duplicate health card with a link to the existing record.
        pass


class SlotFilterForm(forms.Form):
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Any site"), label=_("Site")
    )
    practitioner = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Any physiotherapist"),
        label=_("Physiotherapist"),
    )
    part_of_day = forms.ChoiceField(
        choices=[("", _("Any time")), (MORNING, _("Morning")), (AFTERNOON, _("Afternoon"))],
        required=False,
        label=_("Time of day"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "site").queryset = Site.objects.all()
        physiotherapists = selectors.users_with_role(Role.PHYSIOTHERAPIST)
        model_choice_field(self, "practitioner").queryset = physiotherapists


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=200, label=_("Reason for cancelling"), widget=forms.TextInput()
    )


class ReferralForm(_ReferralFormBase):
    class Meta:
        model = IncomingReferral
        fields = ["reason", "urgency"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 4}),
            "urgency": forms.RadioSelect,
        }
        labels = {"reason": _("Reason for referral"), "urgency": _("Urgency")}


class WaitlistForm(_WaitlistFormBase):
    class Meta:
        model = WaitlistEntry
        fields = ["practitioner", "site", "note"]
        field_classes = {"practitioner": PersonChoiceField}
        labels = {
            "practitioner": _("Preferred physiotherapist"),
            "site": _("Preferred site"),
            "note": _("Note"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practitioner = model_choice_field(self, "practitioner")
        practitioner.queryset = selectors.users_with_role(Role.PHYSIOTHERAPIST)
        practitioner.empty_label = _("Any physiotherapist")
        model_choice_field(self, "site").empty_label = _("Any site")


class DaySheetForm(forms.Form):
    day = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), required=False, label=_("Day")
    )
    practitioner = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Every physiotherapist"),
        label=_("Physiotherapist"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        physiotherapists = selectors.users_with_role(Role.PHYSIOTHERAPIST)
        model_choice_field(self, "practitioner").queryset = physiotherapists


class CalendarForm(forms.Form):
    """The week calendar's filters: which week (any day of it), site, physiotherapist, visit."""

    week = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), required=False, label=_("Week of")
    )
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Every site"), label=_("Site")
    )
    practitioner = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Every physiotherapist"),
        label=_("Physiotherapist"),
    )
    type: forms.ModelChoiceField[AppointmentType] = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="code", empty_label=None, label=_("Visit")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "site").queryset = Site.objects.all()
        physiotherapists = selectors.users_with_role(Role.PHYSIOTHERAPIST)
        model_choice_field(self, "practitioner").queryset = physiotherapists
        model_choice_field(self, "type").queryset = AppointmentType.objects.all()
        for name, field in self.fields.items():
            css = "form-control form-control-sm" if name == "week" else "form-select form-select-sm"
            field.widget.attrs["class"] = css


class SecondAssessmentForm(forms.Form):
    second_reason = forms.CharField(
        max_length=200,
        required=False,
        label=_("Reason for a second new assessment"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class GroupSessionForm(forms.Form):
    """A new group session (class): what, where, who leads, when and how many places."""

    kind = forms.ChoiceField(label=_("Kind of class"), choices=GroupSession.Kind.choices)
    title = forms.CharField(max_length=120, label=_("Title"))
    site = forms.ModelChoiceField(queryset=Site.objects.all(), label=_("Site"))
    leader = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Led by"))
    start = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=240, initial=60
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=50, initial=8)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "leader").queryset = selectors.users_with_role(
            Role.PHYSIOTHERAPIST
        )

    def clean_start(self) -> Any:
        value = self.cleaned_data["start"]
        if value < timezone.now():
            raise forms.ValidationError(_("A session cannot start in the past."))
        return value


class VisitModeForm(forms.Form):
    mode = forms.ChoiceField(label=_("How the visit takes place"), choices=VisitMode.choices)
    video_link = forms.CharField(
        label=_("Video link (https://…)"),
        max_length=500,
        required=False,
        help_text=_("Required for a video visit: the reminder gives it to the patient."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "mode" in data:
            try:
                data["video_link"] = check_video_link(data["mode"], data.get("video_link", ""))
            except VisitModeRefused as refused:
                self.add_error("video_link", str(refused))
        return data
