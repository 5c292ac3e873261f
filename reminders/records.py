"""The patient as reminders see it. intake.Patient lives on a higher floor, which reminders may not
import, not even for typing: this Protocol names what a reminder reads to reach the patient."""

from __future__ import annotations

from typing import Protocol

from lbp_pathway.records import PatientRecord


class ContactablePatient(PatientRecord, Protocol):
    """intake.Patient: how to reach them, and what they consented to."""

    @property
    def full_name(self) -> str: ...

    @property
    def phone(self) -> str: ...

    @property
    def email(self) -> str: ...

    @property
    def preferred_language(self) -> str: ...

    @property
    def language_code(self) -> str:
        """en or fr: the language of every message to the patient."""
        ...

    @property
    def consent_sms_reminders(self) -> bool: ...

    @property
    def consent_email_reminders(self) -> bool: ...
