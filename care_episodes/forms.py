from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from care_episodes import outcomes
from care_episodes.concurrency import version_field
from care_episodes.models import (
    SAFETY_NETTING_ADVICE,
    Assessment,
    ConsultationNote,
    Discharge,
    Episode,
    Exercise,
    FollowUpPlan,
    OutcomeMeasurement,
    SelfManagementPlan,
    VisitMode,
    VisitNote,
)
from triage.models import InstrumentText
from triage.selectors import instrument_text

# ModelForm is generic only for the type checker (Django's class takes no subscript at run time).
if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    _AssessmentModelForm = forms.ModelForm[Assessment]
    _PlanModelForm = forms.ModelForm[SelfManagementPlan]
    _FollowUpModelForm = forms.ModelForm[FollowUpPlan]
    _DischargeModelForm = forms.ModelForm[Discharge]
    _NoteModelForm = forms.ModelForm[ConsultationNote]
    _VisitModelForm = forms.ModelForm[VisitNote]
else:
    _AssessmentModelForm = _PlanModelForm = _FollowUpModelForm = forms.ModelForm
    _DischargeModelForm = _NoteModelForm = _VisitModelForm = forms.ModelForm

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 2})


# The form's sections, in the order a physiotherapist works (the page shows progress through
# them and an error summary linking to each field in error).
ASSESSMENT_SECTIONS: tuple[tuple[str, StrOrPromise, tuple[str, ...]], ...] = (
    (
        "history",
        pgettext_lazy("assessment section", "History"),
        (
            "assessed_on",
            "presenting_complaint",
            "onset",
            "symptom_weeks",
            "pattern",
            "aggravating_factors",
            "easing_factors",
            "previous_episodes",
            "work_status",
            "medications",
            "opioid_use",
            "yellow_flags",
        ),
    ),
    ("red_flags", _("Red-flag review"), ("red_flag_screen",)),
    (
        "examination",
        _("Examination"),
        ("myotomes", "dermatomes", "reflexes", "straight_leg_raise", "neurological_details"),
    ),
    ("impression", _("Impression"), ("working_diagnosis",)),
    ("plan", _("Plan and goals"), ("goals",)),
)


class AssessmentForm(_AssessmentModelForm):
    version = version_field()

    SECTIONS = ASSESSMENT_SECTIONS

    class Meta:
        model = Assessment
        fields = [name for _, _, names in ASSESSMENT_SECTIONS for name in names]
        widgets = {
            "assessed_on": DATE,
            "presenting_complaint": TEXT,
            "aggravating_factors": TEXT,
            "easing_factors": TEXT,
            "previous_episodes": TEXT,
            "medications": TEXT,
            "yellow_flags": TEXT,
            "red_flag_screen": TEXT,
            "neurological_details": TEXT,
            "goals": TEXT,
            "pattern": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()
        pattern = cast(forms.ChoiceField, self.fields["pattern"])
        pattern.choices = Assessment.Pattern.choices  # radios: no blank option

    def sections(self) -> list[dict[str, Any]]:
        """Each section with its bound fields, whether its required fields are filled and whether
        one of its fields is in error (for the progress indicator)."""
        found = []
        for slug, title, names in self.SECTIONS:
            bound = [self[name] for name in names]
            required = [field for field in bound if field.field.required]
            filled = all(str(field.value() or "").strip() for field in required)
            found.append(
                {
                    "slug": slug,
                    "title": title,
                    "fields": bound,
                    "complete": filled and not any(field.errors for field in bound),
                    "has_errors": any(field.errors for field in bound),
                }
            )
        return found

    def clean_assessed_on(self) -> date:
        value: date = self.cleaned_data["assessed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The assessment date cannot be in the future."))
        return value


RMDQ_MISSING_WORDING = _(
    "The licensed RMDQ wording is not loaded, so the statements cannot be shown here: the clinic "
    "loads its licensed copy with `manage.py load_instrument_text --instrument rmdq FILE`. Until "
    "then, tick the item numbers of the statements the patient agreed with on the paper form, or "
    "enter the total."
)


def rmdq_wording() -> InstrumentText | None:
    """The licensed RMDQ wording the clinic loaded in the page's language, if any (never shipped
    with the code)."""
    return instrument_text("rmdq")


def rmdq_choices(wording: InstrumentText | None) -> list[tuple[str, str]]:
    if wording is not None and len(wording.items) == outcomes.RMDQ_ITEMS:
        return [(str(n), f"{n}. {text}") for n, text in enumerate(wording.items, start=1)]
    return [
        (str(n), _("Item %(number)s") % {"number": n}) for n in range(1, outcomes.RMDQ_ITEMS + 1)
    ]


class OutcomeForm(forms.Form):
    measured_on = forms.DateField(label=_("Measured on"), widget=DATE, initial=timezone.localdate)
    timepoint = forms.ChoiceField(
        label=_("Timepoint"), choices=OutcomeMeasurement.Timepoint.choices
    )
    nprs = forms.IntegerField(
        label=_("Pain now (NPRS, 0 = no pain, 10 = worst imaginable)"),
        min_value=0,
        max_value=10,
        required=False,
    )
    rmdq_total = forms.IntegerField(
        label=_("RMDQ total (0-24)"), min_value=0, max_value=24, required=False
    )
    rmdq_items = forms.MultipleChoiceField(
        label=_("Or tick the RMDQ statements the patient agreed with"),
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    grc = forms.IntegerField(
        label=_("Global rating of change (-7 very much worse … +7 very much better)"),
        min_value=-7,
        max_value=7,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wording = rmdq_wording()
        self.rmdq_wording_loaded = wording is not None
        items = cast(forms.MultipleChoiceField, self.fields["rmdq_items"])
        items.choices = rmdq_choices(wording)
        if wording is None:
            items.label = _("Or tick the numbers of the RMDQ items the patient agreed with")
            items.help_text = RMDQ_MISSING_WORDING
        else:
            items.help_text = wording.copyright_notice
        for n in range(1, outcomes.PSFS_MAX_ACTIVITIES + 1):
            self.fields[f"psfs_activity_{n}"] = forms.CharField(
                label=_("PSFS activity %(number)s") % {"number": n}, max_length=100, required=False
            )
            self.fields[f"psfs_score_{n}"] = forms.DecimalField(
                label=_("PSFS activity %(number)s score (0 = unable, 10 = as before)")
                % {"number": n},
                min_value=0,
                max_value=10,
                decimal_places=1,
                required=False,
            )
        if getattr(settings, "ODI_ENABLED", False):
            for n in range(1, outcomes.ODI_SECTIONS + 1):
                self.fields[f"odi_{n}"] = forms.IntegerField(
                    label=_("ODI section %(number)s (0-5)") % {"number": n},
                    min_value=0,
                    max_value=5,
                    required=False,
                )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns
        activities: list[tuple[str, float]] = []
        for n in range(1, outcomes.PSFS_MAX_ACTIVITIES + 1):
            name, score = data.get(f"psfs_activity_{n}"), data.get(f"psfs_score_{n}")
            if name and score is None:
                self.add_error(f"psfs_score_{n}", _("Give a score for this activity."))
            elif score is not None and not name:
                self.add_error(f"psfs_activity_{n}", _("Name the activity this score is for."))
            elif name and score is not None:  # the first test left no name without its score
                activities.append((name, float(score)))
        if activities:
            self._score("psfs_activity_1", outcomes.psfs_score, [score for _, score in activities])
        data["psfs_activities"] = activities
        items = data.get("rmdq_items") or []
        if items and data.get("rmdq_total") is not None:
            if len(items) != data["rmdq_total"]:
                self.add_error(
                    "rmdq_total",
                    _(
                        "The total (%(total)s) does not match the %(ticked)s ticked statements; "
                        "give one or the other."
                    )
                    % {"total": data["rmdq_total"], "ticked": len(items)},
                )
        data["rmdq_item_flags"] = (
            [str(n) in items for n in range(1, outcomes.RMDQ_ITEMS + 1)] if items else None
        )
        # The rules module has the last word on every score (and its message is the one shown), so
        # what this form accepts is exactly what outcomes_check scores.
        rules: list[tuple[str, Callable[[Any], object]]] = [
            ("nprs", outcomes.nprs_score),
            ("grc", outcomes.grc_score),
            ("rmdq_total", lambda total: outcomes.rmdq_score(total=total)),
        ]
        for field, rule in rules:
            if data.get(field) is not None:
                self._score(field, rule, data[field])
        odi = [data.get(f"odi_{n}") for n in range(1, outcomes.ODI_SECTIONS + 1)]
        data["odi_sections"] = None
        if any(value is not None for value in odi):
            if self._score("odi_1", outcomes.odi_score, odi):
                data["odi_sections"] = odi
        measured = [data.get("nprs"), data.get("rmdq_total"), data.get("grc")]
        if (
            all(v is None for v in measured)
            and not items
            and not activities
            and not any(v is not None for v in odi)
        ):
            raise forms.ValidationError(_("Enter at least one outcome measure."))
        return data

    def _score(self, field: str, rule: Callable[[Any], object], value: object) -> bool:
        """Score with the rules module; its message goes on the field when the value is refused."""
        try:
            rule(value)
        except outcomes.ScoringError as error:
            self.add_error(field, str(error))
            return False
        return True

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "measured_on": data["measured_on"],
            "timepoint": data["timepoint"],
            "nprs": data.get("nprs"),
            "rmdq_total": data.get("rmdq_total"),
            "rmdq_items": data.get("rmdq_item_flags"),
            "psfs_activities": data.get("psfs_activities"),
            "grc": data.get("grc"),
            "odi_sections": data.get("odi_sections"),
        }


class ExerciseChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Exercises named in the physio's language (the library's French when it has one)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.here.name)


class PlanForm(_PlanModelForm):
    version = version_field()
    education_topics = forms.MultipleChoiceField(
        label=_("Education topics covered"),
        choices=SelfManagementPlan.Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    exercises = ExerciseChoiceField(
        label=_("Exercises from the library"),
        queryset=Exercise.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = SelfManagementPlan
        fields = [
            "education_topics",
            "exercises",
            "activity_modifications",
            "work_modifications",
            "goals",
            "safety_netting",
        ]
        widgets = {
            "activity_modifications": TEXT,
            "work_modifications": TEXT,
            "goals": TEXT,
            "safety_netting": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The standard advice reads in the physio's language; saved unchanged, it is kept as the
        # standard (so the handout gives it in the patient's language).
        if self.initial.get("safety_netting", SAFETY_NETTING_ADVICE) == SAFETY_NETTING_ADVICE:
            self.initial["safety_netting"] = gettext(SAFETY_NETTING_ADVICE)

    def clean_safety_netting(self) -> str:
        value: str = self.cleaned_data["safety_netting"]
        for code, _name in settings.LANGUAGES:  # the standard advice, in any of the app's languages
            with translation.override(code):
                standard = gettext(SAFETY_NETTING_ADVICE)
            if " ".join(value.split()) == " ".join(standard.split()):
                return SAFETY_NETTING_ADVICE
        return value


class FollowUpForm(_FollowUpModelForm):
    version = version_field()

    class Meta:
        model = FollowUpPlan
        fields = ["care_model", "sessions", "interval_weeks", "notes"]
        widgets = {"notes": TEXT}

    def clean_sessions(self) -> int:
        value: int = self.cleaned_data["sessions"]
        if not 1 <= value <= 30:
            raise forms.ValidationError(_("Plan between 1 and 30 sessions."))
        return value


class DischargeForm(_DischargeModelForm):
    version = version_field()
    nprs = forms.IntegerField(
        label=_("Final NPRS (0-10)"), min_value=0, max_value=10, required=False
    )
    rmdq_total = forms.IntegerField(
        label=_("Final RMDQ (0-24)"), min_value=0, max_value=24, required=False
    )
    grc = forms.IntegerField(
        label=_("Global rating of change (-7 to +7)"), min_value=-7, max_value=7, required=False
    )

    class Meta:
        model = Discharge
        fields = ["discharged_on", "reason", "summary"]
        widgets = {"discharged_on": DATE, "summary": TEXT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["discharged_on"].initial = timezone.localdate()

    def final_outcomes(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in ("nprs", "rmdq_total", "grc")}


class NoteForm(_NoteModelForm):
    version = version_field()

    class Meta:
        model = ConsultationNote
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24})}


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Question or comment for the physiotherapist"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=Episode.Status.choices)
    description = forms.CharField(label=_("Reason"), max_length=250, required=False)


class CaseReviewRequestForm(forms.Form):
    question = forms.CharField(
        label=_("What should the practice lead look at?"),
        help_text=_(
            "For example: no change at 6 weeks despite the plan; pain spreading to both legs."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class CaseReviewAdviceForm(forms.Form):
    advice = forms.CharField(
        label=_("Advice to the physiotherapist"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class VisitNoteForm(_VisitModelForm):
    """A follow-up visit note (SOAP-like), with an optional quick re-measure of the outcomes."""

    version = version_field()

    class Meta:
        model = VisitNote
        fields = [
            "visit_date",
            "mode",
            "subjective",
            "objective",
            "treatment",
            "response",
            "plan_changes",
        ]
        widgets = {
            "visit_date": DATE,
            "subjective": TEXT,
            "objective": TEXT,
            "treatment": TEXT,
            "response": TEXT,
            "plan_changes": TEXT,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visit_date"].initial = timezone.localdate()
        mode = cast(forms.ChoiceField, self.fields["mode"])
        mode.choices = VisitMode.choices

    def clean_visit_date(self) -> date:
        value: date = self.cleaned_data["visit_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The visit date cannot be in the future."))
        return value

    def facts(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RemeasureForm(forms.Form):
    """Quick re-measure at a visit: the common scores only (the full form has PSFS and ODI)."""

    timepoint = forms.ChoiceField(
        label=_("Timepoint of these measures"),
        choices=OutcomeMeasurement.Timepoint.choices,
        initial=OutcomeMeasurement.Timepoint.OTHER,
        required=False,
    )
    nprs = forms.IntegerField(
        label=_("Pain now (NPRS 0-10)"), min_value=0, max_value=10, required=False
    )
    rmdq_total = forms.IntegerField(
        label=_("RMDQ total (0-24)"), min_value=0, max_value=24, required=False
    )
    grc = forms.IntegerField(
        label=_("Global rating of change (-7 to +7)"), min_value=-7, max_value=7, required=False
    )

    prefix = "remeasure"

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        rules: list[tuple[str, Callable[[Any], object]]] = [
            ("nprs", outcomes.nprs_score),
            ("grc", outcomes.grc_score),
            ("rmdq_total", lambda total: outcomes.rmdq_score(total=total)),
        ]
        for field, rule in rules:
            if data.get(field) is not None:
                try:
                    rule(data[field])
                except outcomes.ScoringError as error:
                    self.add_error(field, str(error))
        timepoint = data.get("timepoint")
        if (
            self.any_measure()
            and timepoint
            and timepoint != OutcomeMeasurement.Timepoint.OTHER
            and self.episode.outcomes.filter(timepoint=timepoint).exists()
        ):
            self.add_error("timepoint", _("This timepoint is already recorded; choose another."))
        return data

    def any_measure(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) is not None for name in ("nprs", "rmdq_total", "grc"))

    def measures(self) -> dict[str, Any] | None:
        """The record_outcomes arguments, or None when nothing was re-measured."""
        if not self.any_measure():
            return None
        data = self.cleaned_data
        return {
            "timepoint": data.get("timepoint") or OutcomeMeasurement.Timepoint.OTHER,
            "nprs": data.get("nprs"),
            "rmdq_total": data.get("rmdq_total"),
            "grc": data.get("grc"),
        }
