"""Referrals that arrive from outside the app (a partner's eReferral system over FHIR): the plain data
they carry, the reason codes the pathway accepts, and the checks that need no database. Plain Python,
no Django imports: the FHIR API turns JSON into these values; intake.services.receive_external_referral
stores them.

Problems are reported as (path, message) pairs. The path names the field of these dataclasses
("patient.birth_date", "reason_codes[1]", "attachments[0]"), so a caller can point at the part of
its own message the problem came from; the message is written for the person who sent the referral.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from intake.identifiers import (
    InvalidIdentifier,
    check_birth_date,
    normalise_health_card,
    normalise_postal_code,
    normalise_version_code,
)

SNOMED_CT = "http://snomed.info/sct"
ICD_10 = "http://hl7.org/fhir/sid/icd-10"

# Why a patient may be referred to the low back pain pathway, as coded reasons (docs/clinical-rules.md,
# "Referrals received electronically"). Any other code is refused: the referral is for someone else.
REASON_CODES: dict[tuple[str, str], str] = {
    (SNOMED_CT, "279039007"): "Low back pain",
    (SNOMED_CT, "161891005"): "Backache",
    (SNOMED_CT, "23056005"): "Sciatica",
    (ICD_10, "M54.5"): "Low back pain",
    (ICD_10, "M54.4"): "Lumbago with sciatica",
    (ICD_10, "M54.3"): "Sciatica",
}

URGENCIES = ("routine", "urgent")
REFERRER_KINDS = ("family_physician", "nurse_practitioner", "outside_clinician")
SEXES = ("F", "M", "X", "U")
REASON_MAX = 1000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Problem = tuple[str, str]


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str = ""

    @property
    def token(self) -> str:
        return f"{self.system}|{self.code}"


@dataclass(frozen=True)
class PatientIn:
    first_name: str
    last_name: str
    birth_date: date | None
    health_card_number: str = ""
    health_card_version: str = ""
    sex: str = "U"
    phone: str = ""
    email: str = ""
    postal_code: str = ""
    preferred_language: str = ""


@dataclass(frozen=True)
class ReferrerIn:
    name: str
    kind: str = "outside_clinician"
    # A licence (e.g. CPSO or CNO number with its system) or the partner's Practitioner id.
    identifier_system: str = ""
    identifier_value: str = ""
    organisation: str = ""
    email: str = ""


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    content: bytes
    title: str = ""


@dataclass(frozen=True)
class ReferralIn:
    """One referral as a partner sends it. `sender_system`/`sender_value` is the sender's own
    identifier of the referral: sending it again returns the referral already received."""

    sender_system: str
    sender_value: str
    patient: PatientIn | None
    referrer: ReferrerIn | None
    reason: str = ""
    reason_codes: tuple[Coding, ...] = ()
    urgency: str = "routine"
    authored_on: date | None = None
    attachments: tuple[AttachmentIn, ...] = ()
    # The partner system (API client) that sent it.
    partner_key: str = ""


@dataclass(frozen=True)
class CleanPatient:
    """A PatientIn once checked: identifiers normalised, ready for a Patient row."""

    first_name: str
    last_name: str
    date_of_birth: date
    health_card_number: str | None
    health_card_version: str
    sex: str
    phone: str
    email: str
    postal_code: str
    preferred_language: str


@dataclass
class Checked:
    problems: list[Problem] = field(default_factory=list)
    patient: CleanPatient | None = None
    reason: str = ""

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))


def fold(text: str) -> str:
    """A name as compared for identity: case, accents, spaces and hyphens set aside."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c.isalnum())


def same_person(first_name: str, last_name: str, born: date, other: tuple[str, str, date]) -> bool:
    """The name and birth date sent match the patient on file (case and accents aside)."""
    other_first, other_last, other_born = other
    return (
        born == other_born
        and fold(last_name) == fold(other_last)
        and fold(first_name) == fold(other_first)
    )


def _check_patient(patient: PatientIn | None, checked: Checked, today: date) -> None:
    if patient is None:
        checked.add("patient", "The referral names no patient.")
        return
    first, last = patient.first_name.strip(), patient.last_name.strip()
    if not first:
        checked.add("patient.first_name", "The patient's first name is missing.")
    if not last:
        checked.add("patient.last_name", "The patient's last name is missing.")
    if len(first) > 100 or len(last) > 100:
        checked.add("patient.name", "A name is longer than 100 characters.")
    born = patient.birth_date
    if born is None:
        checked.add("patient.birth_date", "The patient's date of birth is missing.")
    else:
        try:
            check_birth_date(born, today=today)
        except InvalidIdentifier as error:
            checked.add("patient.birth_date", str(error))
    card: str | None = None
    if patient.health_card_number.strip():
        try:
            card = normalise_health_card(patient.health_card_number)
        except InvalidIdentifier as error:
            checked.add("patient.health_card_number", str(error))
    version = ""
    try:
        version = normalise_version_code(patient.health_card_version)
    except InvalidIdentifier as error:
        checked.add("patient.health_card_version", str(error))
    postal = ""
    if patient.postal_code.strip():
        try:
            postal = normalise_postal_code(patient.postal_code)
        except InvalidIdentifier as error:
            checked.add("patient.postal_code", str(error))
    if patient.sex not in SEXES:
        checked.add("patient.sex", f"Unknown sex {patient.sex!r}: use one of {', '.join(SEXES)}.")
    email = patient.email.strip()
    if email and not _EMAIL.match(email):
        checked.add("patient.email", "The patient's email address is not valid.")
    if born is not None and first and last:
        checked.patient = CleanPatient(
            first_name=first[:100],
            last_name=last[:100],
            date_of_birth=born,
            health_card_number=card,
            health_card_version=version,
            sex=patient.sex,
            phone=patient.phone.strip()[:30],
            email=email[:254],
            postal_code=postal,
            preferred_language=patient.preferred_language.strip()[:60],
        )


def _check_referrer(referrer: ReferrerIn | None, checked: Checked) -> None:
    if referrer is None:
        checked.add("referrer", "The referral names no referring clinician.")
        return
    if not referrer.name.strip():
        checked.add("referrer.name", "The referring clinician's name is missing.")
    if referrer.kind not in REFERRER_KINDS:
        checked.add(
            "referrer.kind",
            f"Unknown kind of referring clinician {referrer.kind!r}: use one of "
            f"{', '.join(REFERRER_KINDS)}.",
        )
    if referrer.identifier_value.strip() and not referrer.identifier_system.strip():
        checked.add(
            "referrer.identifier_system",
            "The referring clinician's identifier has no system (whose number is it?).",
        )
    email = referrer.email.strip()
    if email and not _EMAIL.match(email):
        checked.add("referrer.email", "The referring clinician's email address is not valid.")


def _check_reason(referral: ReferralIn, checked: Checked) -> None:
    known: list[str] = []
    for n, coding in enumerate(referral.reason_codes):
        meaning = REASON_CODES.get((coding.system.strip(), coding.code.strip()))
        if meaning is None:
            checked.add(
                f"reason_codes[{n}]",
                f"Unknown reason code {coding.code!r} ({coding.system or 'no system'}): the low "
                "back pain pathway accepts low back pain, backache and sciatica codes only.",
            )
        else:
            known.append(meaning)
    text = referral.reason.strip()
    if not text and not referral.reason_codes:
        checked.add("reason", "Give the reason for the referral (words, a code, or both).")
    if len(text) > REASON_MAX:
        checked.add("reason", f"The reason is longer than {REASON_MAX} characters.")
    checked.reason = text or "; ".join(dict.fromkeys(known))


def check_referral(referral: ReferralIn, *, today: date) -> Checked:
    """Every problem of a referral that can be seen without the database, all at once."""
    checked = Checked()
    if not referral.sender_system.strip() or not referral.sender_value.strip():
        checked.add(
            "identifier",
            "The referral has no identifier of its own (system and value): it is needed so that "
            "sending it again does not make a second referral.",
        )
    elif len(referral.sender_system) > 200 or len(referral.sender_value) > 100:
        checked.add("identifier", "The referral's identifier is too long.")
    _check_patient(referral.patient, checked, today)
    _check_referrer(referral.referrer, checked)
    _check_reason(referral, checked)
    if referral.urgency not in URGENCIES:
        checked.add(
            "urgency", f"Unknown urgency {referral.urgency!r}: use one of {', '.join(URGENCIES)}."
        )
    if referral.authored_on is not None and referral.authored_on > today:
        checked.add(
            "authored_on", f"The referral is dated {referral.authored_on:%Y-%m-%d}, after today."
        )
    return checked
