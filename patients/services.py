"""Writes of the patient pages: one function per use case, audited in its transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from intake import services as intake_services
from intake.models import Patient
from lbp_pathway import audit
from patients import booking
from patients.models import SelfReferral
from triage import rules
from triage import services as triage_services

# No 0/O, 1/I/L: a reference read over the phone is not mistaken. 8 characters: 40 bits.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"LBP-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Details:
    first_name: str
    last_name: str
    date_of_birth: date
    postal_code: str
    phone: str
    email: str
    description: str
    back_pain_main_reason: bool
    language: str
    consent_messages: bool = False


def judge(
    details: Details, red_flag_codes: list[str], *, on: date
) -> tuple[str, rules.RedFlagResult, rules.Eligibility]:
    """The outcome by the staff triage rules: emergency > urgent > not eligible > callback."""
    flags = rules.classify_red_flags(red_flag_codes)
    eligibility = rules.first_contact_physio_eligibility(
        reference_date=on, date_of_birth=details.date_of_birth, red_flags=flags
    )
    if flags.emergency:
        outcome = SelfReferral.Outcome.EMERGENCY
    elif flags.urgent:
        outcome = SelfReferral.Outcome.URGENT
    elif not eligibility.eligible or not details.back_pain_main_reason:
        outcome = SelfReferral.Outcome.NOT_ELIGIBLE
    else:
        outcome = SelfReferral.Outcome.CALLBACK
    return outcome, flags, eligibility


@transaction.atomic
def submit_self_referral(
    details: Details, *, red_flag_codes: list[str], actor: audit.Actor
) -> SelfReferral:
    """Store a self-referral; an emergency answer raises the physician alert of the phone screen."""
    outcome, flags, eligibility = judge(details, red_flag_codes, on=timezone.localdate())
    alert = None
    if outcome == SelfReferral.Outcome.EMERGENCY:
        flags_text = "; ".join(rules.RED_FLAG_LABELS[code] for code in flags.emergency)
        alert = triage_services.raise_self_referral_emergency_alert(
            message=(
                f"Self-referral {{ref}} ({details.first_name} {details.last_name}, born "
                f"{details.date_of_birth:%Y-%m-%d}, {details.phone or details.email}): emergency "
                f"symptom, told to go to Emergency / call 911: {flags_text}"
            )
        )
    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                referral = SelfReferral.objects.create(
                    reference=reference,
                    first_name=details.first_name,
                    last_name=details.last_name,
                    date_of_birth=details.date_of_birth,
                    phone=details.phone,
                    email=details.email,
                    postal_code=details.postal_code,
                    description=details.description,
                    red_flags=list(flags.emergency + flags.urgent + flags.contextual),
                    answers={
                        "back_pain_main_reason": details.back_pain_main_reason,
                        "consent_messages": details.consent_messages,
                        "red_flags": flags.to_dict(),
                        "eligibility": eligibility.to_dict(),
                    },
                    rule_version=rules.RULE_VERSION,
                    outcome=outcome,
                    language=details.language,
                    alert=alert,
                )
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not draw a unique self-referral reference")
    if alert is not None:
        alert.message = alert.message.replace("{ref}", referral.reference)
        alert.save(update_fields=["message"])
    audit.record(actor, audit.Action.CREATE, f"Self-referral {referral.reference}: {outcome}")
    return referral


@transaction.atomic
def start_self_booking(
    referral: SelfReferral, *, actor: audit.Actor, url_for: Callable[[str], str]
) -> str:
    """An eligible, non-urgent self-referral books at once: the person is registered from what they
    typed (the front desk still checks the worklist for a duplicate record; nothing here looks one up,
    so the page never reveals who is registered) and gets a booking link. Returns its token."""
    referral = SelfReferral.objects.select_for_update().get(pk=referral.pk)
    if referral.outcome != SelfReferral.Outcome.CALLBACK:
        raise ValueError("only an eligible self-referral books online")
    patient = referral.matched_patient
    if patient is None:
        consent = bool(referral.answers.get("consent_messages"))
        patient = intake_services.register_patient(
            actor=actor,
            first_name=referral.first_name,
            last_name=referral.last_name,
            date_of_birth=referral.date_of_birth,
            phone=referral.phone,
            email=referral.email,
            postal_code=referral.postal_code,
            preferred_language="fr" if referral.language == "fr" else "en",
            consent_email_reminders=consent and bool(referral.email),
            consent_sms_reminders=consent and bool(referral.phone),
        )
        referral.matched_patient = patient
        referral.save(update_fields=["matched_patient"])
    _link, token = booking.issue_booking_link(
        patient=patient, actor=actor, url_for=url_for, self_referral_id=referral.pk
    )
    return token


def can_book_online(referral: SelfReferral) -> bool:
    """Whether a first-contact slot is free online now (else the page promises a call back)."""
    try:
        return bool(
            booking.slots_nearest_first(Patient(postal_code=referral.postal_code), per_site=1)
        )
    except booking.LinkRefused:
        return False


@transaction.atomic
def match_self_referral(
    referral: SelfReferral, *, patient: Patient, actor: audit.Actor
) -> SelfReferral:
    """The front desk says who this is (an existing or newly registered patient)."""
    referral = SelfReferral.objects.select_for_update().get(pk=referral.pk)
    referral.matched_patient = patient
    referral.handled_by = actor.user
    referral.handled_at = timezone.now()
    referral.save(update_fields=["matched_patient", "handled_by", "handled_at"])
    audit.record(
        actor,
        audit.Action.CHANGE,
        f"Self-referral {referral.reference} matched to the patient",
        patient=patient,
    )
    return referral
