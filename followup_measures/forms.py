"""The patient's outcome questionnaire: pain, back-related disability (RMDQ), three activities
(PSFS) and, after the baseline, how things have changed (GRC)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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

    def __init__(self, *args: Any, rmdq_wording: list[str] | None, ask_grc: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
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
        return data

    def answers(self) -> Answers:
        data = self.cleaned_data
        return Answers(
            nprs=data["nprs"],
            rmdq_items=[bool(data.get(f"rmdq_{n}")) for n in range(1, RMDQ_ITEMS + 1)],
            psfs_activities=data["psfs_rows"],
            grc=data.get("grc"),
        )
