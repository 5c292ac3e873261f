"""Draft the consultation note to the family physician from the assessment and plan.

Pure Python (no Django): the service gathers plain values into NoteFacts, this module writes the text
and the referral recommendations (clinical-rules.md section 6: the app suggests, the physio decides).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
                "Emergency Department assessment now.",
                "An emergency red flag was found at triage"
                + (f" ({facts.booking_hold})." if facts.booking_hold else "."),
            )
        )
    elif facts.red_flag_disposition == "urgent_physician_review":
        found.append(
            Recommendation(
                "Family physician review before routine physiotherapy continues.",
                "An urgent red flag was found at triage.",
            )
        )
    if facts.red_flag_disposition in {"emergency", "urgent_physician_review"} or facts.booking_hold:
        found.append(
            Recommendation(
                "Imaging as indicated by the red-flag findings.",
                "Imaging is reserved for red flags or surgical/injection candidates (NICE NG59).",
            )
        )
    else:
        found.append(
            Recommendation(
                "No imaging recommended at this stage.",
                "No red flags and not a surgical or injection candidate (NICE NG59, QS155).",
            )
        )
    if facts.pattern == "leg_dominant" and (facts.symptom_weeks or 0) >= 6:
        found.append(
            Recommendation(
                "Consider the Rapid Access Clinic for LBP / spine assessment if not improving.",
                f"Leg-dominant pain for {facts.symptom_weeks} weeks; a possible surgical "
                "candidate is assessed there, with imaging decided there.",
            )
        )
    if facts.opioid_use:
        found.append(
            Recommendation(
                "Consider an interdisciplinary pain program and a medication review.",
                "The patient uses opioids for back pain.",
            )
        )
    elif facts.risk == "high":
        found.append(
            Recommendation(
                "Interdisciplinary pain program if not improving at 6-12 weeks.",
                "High risk of persistent disability on the STarT Back tool.",
            )
        )
    return found


def _line(label: str, value: str) -> str:
    return f"{label}: {value.strip()}" if value and value.strip() else ""


def _section(heading: str, lines: list[str]) -> str:
    kept = [line for line in lines if line]
    return heading + "\n" + ("\n".join(kept) if kept else "Not recorded.")


RISK_WORDS = {"low": "Low", "medium": "Medium", "high": "High"}


def draft(facts: NoteFacts) -> tuple[str, str]:
    """The note's title and body, in sections the physician can scan."""
    title = f"Physiotherapy consultation: {facts.patient_name} ({facts.assessed_on:%Y-%m-%d})"
    if facts.start_back_total is not None:
        sbst = (
            f"{facts.start_back_total}/9, psychosocial subscale {facts.start_back_psychosocial}/5"
        )
    else:
        sbst = "not recorded"
    risk = RISK_WORDS.get(facts.risk, "not yet determined")
    sections = [
        f"Patient: {facts.patient_name}, born {facts.date_of_birth:%Y-%m-%d}. "
        f"Assessed on {facts.assessed_on:%Y-%m-%d} by {facts.physiotherapist}.",
        _section(
            "Presentation",
            [
                _line("Presenting complaint", facts.presenting_complaint),
                _line("Onset", facts.onset),
                _line("Pattern", facts.pattern_label),
                _line("Aggravating factors", facts.aggravating_factors),
                _line("Easing factors", facts.easing_factors),
                _line("Previous episodes", facts.previous_episodes),
                _line("Work", facts.work_status),
                _line("Medications", facts.medications),
                "Uses opioids for back pain." if facts.opioid_use else "",
                _line("Yellow flags", facts.yellow_flags),
                _line("Patient's goals", facts.goals),
            ],
        ),
        _section(
            "Red-flag screen",
            [
                facts.red_flag_screen.strip(),
                _line("Triage disposition", facts.red_flag_disposition.replace("_", " ")),
                _line("Booking hold", facts.booking_hold),
            ],
        ),
        _section("Examination", [_line("Neurological screen", facts.neurological_screen)]),
        _section("Working diagnosis", [facts.working_diagnosis.strip()]),
        _section("STarT Back", [f"Score {sbst}.", f"Risk of persistent disabling pain: {risk}."]),
        _section("Baseline outcomes", list(facts.baseline_outcomes)),
        # Only once there is a later measurement to compare (the discharge note's summary of change).
        *(
            [_section("Change since baseline", list(facts.outcome_changes))]
            if facts.outcome_changes
            else []
        ),
        _section(
            "Self-management plan",
            [
                _line("Education", "; ".join(facts.education_topics)),
                _line("Exercises", "; ".join(facts.exercises)),
                _line("Activity modifications", facts.activity_modifications),
                _line("Work modifications", facts.work_modifications),
                _line("Plan goals", facts.plan_goals),
                _line("Safety-netting advice given", facts.safety_netting),
            ],
        ),
        _section("Follow-up", [facts.follow_up]),
        _section("Next steps", [facts.next_steps]),
        _section(
            "Recommendations",
            [f"- {item.text} Reason: {item.reason}" for item in recommendations(facts)],
        ),
    ]
    return title, "\n\n".join(sections)
