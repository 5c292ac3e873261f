"""Draft the consultation note to the family physician from the assessment and plan.

The service gathers plain values into NoteFacts, this module writes the text and the referral
recommendations (clinical-rules.md section 6: the app suggests, the physio decides), in the active
language: the physiotherapist's, who edits and signs the draft (only Django's gettext is used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

# How the red-flag screen ended (triage's dispositions), as the note words it.
DISPOSITIONS = {
    "emergency": gettext_noop("emergency"),
    "urgent_physician_review": gettext_noop("urgent physician review"),
    "none": gettext_noop("none"),
}


def _disposition(code: str) -> str:
    return gettext(DISPOSITIONS[code]) if code in DISPOSITIONS else code.replace("_", " ")


@dataclass(frozen=True)
class NoteFacts:
    patient_name: str
    date_of_birth: date
    assessed_on: date
    physiotherapist: str
    presenting_complaint: str
    onset: str
    pattern: str  # back_dominant | leg_dominant | neurogenic_claudication
    pattern_label: str
    aggravating_factors: str = ""
    easing_factors: str = ""
    previous_episodes: str = ""
    work_status: str = ""
    medications: str = ""
    opioid_use: bool = False
    yellow_flags: str = ""
    red_flag_screen: str = ""
    neurological_screen: str = ""
    working_diagnosis: str = ""
    goals: str = ""
    risk: str = ""  # low | medium | high | ""
    start_back_total: int | None = None
    start_back_psychosocial: int | None = None
    red_flag_disposition: str = ""  # emergency | urgent_physician_review | none | ""
    booking_hold: str = ""
    symptom_weeks: int | None = None
    baseline_outcomes: list[str] = field(default_factory=list)
    outcome_changes: list[str] = field(default_factory=list)  # latest score against baseline
    education_topics: list[str] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)
    activity_modifications: str = ""
    work_modifications: str = ""
    plan_goals: str = ""
    safety_netting: str = ""
    follow_up: str = ""
    next_steps: str = ""


@dataclass(frozen=True)
class Recommendation:
    text: str
    reason: str


def recommendations(facts: NoteFacts) -> list[Recommendation]:
    """Referral suggestions with their reasons (clinical-rules.md section 6)."""
    found: list[Recommendation] = []
    if facts.red_flag_disposition == "emergency" or facts.booking_hold:
        found.append(
            Recommendation(
                _("Emergency Department assessment now."),
                _("An emergency red flag was found at triage (%(hold)s).")
                % {"hold": gettext(facts.booking_hold)}
                if facts.booking_hold
                else _("An emergency red flag was found at triage."),
            )
        )
    elif facts.red_flag_disposition == "urgent_physician_review":
        found.append(
            Recommendation(
                _("Family physician review before routine physiotherapy continues."),
                _("An urgent red flag was found at triage."),
            )
        )
    if facts.red_flag_disposition in {"emergency", "urgent_physician_review"} or facts.booking_hold:
        found.append(
            Recommendation(
                _("Imaging as indicated by the red-flag findings."),
                _(
                    "Imaging is reserved for red flags or surgical/injection candidates (NICE NG59)."
                ),
            )
        )
    else:
        found.append(
            Recommendation(
                _("No imaging recommended at this stage."),
                _("No red flags and not a surgical or injection candidate (NICE NG59, QS155)."),
            )
        )
    if facts.pattern == "leg_dominant" and (facts.symptom_weeks or 0) >= 6:
        found.append(
            Recommendation(
                _("Consider the Rapid Access Clinic for LBP / spine assessment if not improving."),
                _(
                    "Leg-dominant pain for %(weeks)s weeks; a possible surgical candidate is "
                    "assessed there, with imaging decided there."
                )
                % {"weeks": facts.symptom_weeks},
            )
        )
    if facts.opioid_use:
        found.append(
            Recommendation(
                _("Consider an interdisciplinary pain program and a medication review."),
                _("The patient uses opioids for back pain."),
            )
        )
    elif facts.risk == "high":
        found.append(
            Recommendation(
                _("Interdisciplinary pain program if not improving at 6-12 weeks."),
                _("High risk of persistent disability on the STarT Back tool."),
            )
        )
    return found


def _line(label: str, value: str) -> str:
    if not value or not value.strip():
        return ""
    return _("%(label)s: %(value)s") % {"label": label, "value": value.strip()}


def _section(heading: str, lines: list[str]) -> str:
    kept = [line for line in lines if line]
    return heading + "\n" + ("\n".join(kept) if kept else _("Not recorded."))


RISK_WORDS = {
    "low": gettext_noop("Low"),
    "medium": gettext_noop("Medium"),
    "high": gettext_noop("High"),
}


def draft(facts: NoteFacts) -> tuple[str, str]:
    """The note's title and body, in sections the physician can scan."""
    title = _("Physiotherapy consultation: %(name)s (%(date)s)") % {
        "name": facts.patient_name,
        "date": f"{facts.assessed_on:%Y-%m-%d}",
    }
    if facts.start_back_total is not None:
        sbst = _("%(total)s/9, psychosocial subscale %(psychosocial)s/5") % {
            "total": facts.start_back_total,
            "psychosocial": facts.start_back_psychosocial,
        }
    else:
        sbst = _("not recorded")
    risk = _(RISK_WORDS[facts.risk]) if facts.risk in RISK_WORDS else _("not yet determined")
    sections = [
        _("Patient: %(name)s, born %(born)s. Assessed on %(date)s by %(physio)s.")
        % {
            "name": facts.patient_name,
            "born": f"{facts.date_of_birth:%Y-%m-%d}",
            "date": f"{facts.assessed_on:%Y-%m-%d}",
            "physio": facts.physiotherapist,
        },
        _section(
            _("Presentation"),
            [
                _line(_("Presenting complaint"), facts.presenting_complaint),
                _line(_("Onset"), facts.onset),
                _line(_("Pattern"), facts.pattern_label),
                _line(_("Aggravating factors"), facts.aggravating_factors),
                _line(_("Easing factors"), facts.easing_factors),
                _line(_("Previous episodes"), facts.previous_episodes),
                _line(_("Work"), facts.work_status),
                _line(_("Medications"), facts.medications),
                _("Uses opioids for back pain.") if facts.opioid_use else "",
                _line(_("Yellow flags"), facts.yellow_flags),
                _line(_("Patient's goals"), facts.goals),
            ],
        ),
        _section(
            _("Red-flag screen"),
            [
                facts.red_flag_screen.strip(),
                _line(_("Triage disposition"), _disposition(facts.red_flag_disposition)),
                _line(_("Booking hold"), gettext(facts.booking_hold) if facts.booking_hold else ""),
            ],
        ),
        _section(_("Examination"), [_line(_("Neurological screen"), facts.neurological_screen)]),
        _section(_("Working diagnosis"), [facts.working_diagnosis.strip()]),
        _section(
            _("STarT Back"),
            [
                _("Score %(score)s.") % {"score": sbst},
                _("Risk of persistent disabling pain: %(risk)s.") % {"risk": risk},
            ],
        ),
        _section(_("Baseline outcomes"), list(facts.baseline_outcomes)),
        # Only once there is a later measurement to compare (the discharge note's summary of change).
        *(
            [_section(_("Change since baseline"), list(facts.outcome_changes))]
            if facts.outcome_changes
            else []
        ),
        _section(
            _("Self-management plan"),
            [
                _line(_("Education"), "; ".join(facts.education_topics)),
                _line(_("Exercises"), "; ".join(facts.exercises)),
                _line(_("Activity modifications"), facts.activity_modifications),
                _line(_("Work modifications"), facts.work_modifications),
                _line(_("Plan goals"), facts.plan_goals),
                _line(_("Safety-netting advice given"), facts.safety_netting),
            ],
        ),
        _section(_("Follow-up"), [facts.follow_up]),
        _section(_("Next steps"), [facts.next_steps]),
        _section(
            _("Recommendations"),
            [
                _("- %(text)s Reason: %(reason)s") % {"text": item.text, "reason": item.reason}
                for item in recommendations(facts)
            ],
        ),
    ]
    return title, "\n\n".join(sections)
