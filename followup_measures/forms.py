"""The patient's outcome questionnaire: pain, back-related disability (RMDQ), three activities
(PSFS) and, after the baseline, how things have changed (GRC)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from care_episodes.outcomes import ODI_MIN_ANSWERED, ODI_SECTION_MAX, ODI_SECTIONS
from followup_measures.services import Answers

RMDQ_ITEMS = 24
PSFS_ROWS = 3
GRC_CHOICES = [
    (7, _("+7 A very great deal better")),
    (6, "+6"),
    (5, "+5"),
    (4, "+4"),
    (3, "+3"),
    (2, "+2"),
    (1, _("+1 A little better")),
    (0, _("0 About the same")),
    (-1, _("-1 A little worse")),
    (-2, "-2"),
    (-3, "-3"),
    (-4, "-4"),
    (-5, "-5"),
    (-6, "-6"),
    (-7, _("-7 A very great deal worse")),
]


def placeholder(number: int, total: int) -> str:
    return str(
        _("Item %(number)s of %(total)s: wording to be loaded by the clinic")
        % {"number": number, "total": total}
    )


class OutcomeQuestionnaireForm(forms.Form):
    nprs = forms.TypedChoiceField(
        label=_("How bad is your back pain right now? (0 = no pain, 10 = worst pain imaginable)"),
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        rmdq_wording: list[str] | None,
        ask_grc: bool,
        ask_odi: bool = False,
        odi_wording: list[str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.ask_odi = ask_odi
        if ask_odi:
            self._add_odi(odi_wording)
        for number in range(1, RMDQ_ITEMS + 1):
            text = (
                rmdq_wording[number - 1]
                if rmdq_wording and len(rmdq_wording) == RMDQ_ITEMS
                else placeholder(number, RMDQ_ITEMS)
            )
            self.fields[f"rmdq_{number}"] = forms.BooleanField(label=text, required=False)
        for row in range(1, PSFS_ROWS + 1):
            self.fields[f"psfs_activity_{row}"] = forms.CharField(
                label=_("Activity %(row)s you find hard because of your back") % {"row": row},
                max_length=100,
                required=False,
            )
            self.fields[f"psfs_score_{row}"] = forms.TypedChoiceField(
                label=_("How well can you do activity %(row)s? (0 = unable, 10 = as before)")
                % {"row": row},
                choices=[("", "-"), *[(n, str(n)) for n in range(11)]],
                coerce=int,
                empty_value=None,
                required=False,
            )
        if ask_grc:
            self.fields["grc"] = forms.TypedChoiceField(
                label=_("Since your back care started, how has your back changed?"),
                choices=GRC_CHOICES,
                coerce=int,
            )

    def _add_odi(self, wording: list[str] | None) -> None:
        """The Oswestry Disability Index: 10 sections, one statement chosen in each (scored 0 to 5),
        in the clinic's licensed wording, else a placeholder that says so."""
        per_section = ODI_SECTION_MAX + 2  # the title, then one statement per score
        official = wording is not None and len(wording) == ODI_SECTIONS * per_section
        for number in range(1, ODI_SECTIONS + 1):
            if official:
                assert wording is not None
                start = (number - 1) * per_section
                title = wording[start]
                statements = wording[start + 1 : start + per_section]
            else:
                title = placeholder(number, ODI_SECTIONS)
                statements = [
                    str(_("Statement scored %(score)s: wording to be loaded by the clinic"))
                    % {"score": score}
                    for score in range(ODI_SECTION_MAX + 1)
                ]
            self.fields[f"odi_{number}"] = forms.TypedChoiceField(
                label=title,
                choices=list(enumerate(statements)),
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def odi_fields(self) -> list[forms.BoundField]:
        return [self[f"odi_{n}"] for n in range(1, ODI_SECTIONS + 1)] if self.ask_odi else []

    def rmdq_fields(self) -> list[forms.BoundField]:
        return [self[f"rmdq_{n}"] for n in range(1, RMDQ_ITEMS + 1)]

    def psfs_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"psfs_activity_{r}"], self[f"psfs_score_{r}"]) for r in range(1, PSFS_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rows = []
        for row in range(1, PSFS_ROWS + 1):
            name = (data.get(f"psfs_activity_{row}") or "").strip()
            score = data.get(f"psfs_score_{row}")
            if bool(name) != (score is not None):
                self.add_error(
                    f"psfs_score_{row}", _("Give both the activity and its score, or neither.")
                )
            elif name and score is not None:
                rows.append((name, float(score)))
        if rows and len(rows) < PSFS_ROWS:
            self.add_error(
                None,
                _("Please name %(count)s activities, or leave them all empty.")
                % {"count": PSFS_ROWS},
            )
        data["psfs_rows"] = rows
        odi = [data.get(f"odi_{n}") for n in range(1, ODI_SECTIONS + 1)] if self.ask_odi else []
        answered = [value for value in odi if value is not None]
        if answered and len(answered) < ODI_MIN_ANSWERED:
            self.add_error(
                None,
                _(
                    "Please choose a statement in at least %(minimum)s of the %(sections)s "
                    "sections about daily life, or leave them all empty."
                )
                % {"minimum": ODI_MIN_ANSWERED, "sections": ODI_SECTIONS},
            )
        data["odi_sections"] = odi if answered else None
        return data

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            nprs=data["nprs"],
            rmdq_items=[bool(data.get(f"rmdq_{n}")) for n in range(1, RMDQ_ITEMS + 1)],
            psfs_activities=data["psfs_rows"],
            grc=data.get("grc"),
            odi_sections=data.get("odi_sections"),
        )
