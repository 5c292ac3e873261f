"""One patient's whole record, for an access request under PHIPA (the privacy officer's export).

`patient_record` reads every part of the record that names the patient, section by section, as plain
values (the database's own field names, dates in ISO 8601, users by id and username), which
`as_json` writes as the machine-readable bundle and the PDF template lays out as tables. Reads only:
the view audits the export.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext

from care_episodes.models import (
    Assessment,
    ConsultationNote,
    Discharge,
    Episode,
    EpisodeEvent,
    FollowUpPlan,
    NoteRead,
    NoteReply,
    OutcomeMeasurement,
    SelfManagementPlan,
)
from intake.models import Appointment, IncomingReferral, Patient, WaitlistEntry, WaitlistOffer
from lbp_pathway.models import AuditEvent, EmergencyAccess
from referrals.models import Referral, ReferralEvent, ReferralSuggestion, RoutingReview
from reminders.models import Delivery, Reminder
from triage.models import PhoneScreen, PhysicianAlert, QuestionnaireResponse, TriageDecision

FORMAT = "lbp-pathway-record-export/1"
# Secrets of the service, not the patient's information: never exported.
LEFT_OUT = frozenset({"claim_token", "token_hash"})


@dataclass
class Section:
    key: str
    title: str
    records: list[dict[str, Any]]
    # For the PDF: each record's fields as (label, shown value) pairs.
    rows: list[list[tuple[str, str]]] = field(default_factory=list)


@dataclass
class PatientRecordExport:
    patient: Patient
    exported_at: datetime.datetime
    exported_by: str
    sections: list[Section]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "patient_id": self.patient.pk,
            "exported_at": self.exported_at.isoformat(timespec="seconds"),
            "exported_by": self.exported_by,
            "sections": {
                section.key: {"title": section.title, "records": section.records}
                for section in self.sections
            },
        }

    def as_json(self) -> bytes:
        return json.dumps(self.as_dict(), cls=DjangoJSONEncoder, indent=2).encode()

    @property
    def documents(self) -> list[tuple[str, FieldFile]]:
        """Uploaded files that belong to the record (referral reports): (name in the export, file)."""
        return [
            (
                f"documents/referral-{referral.pk}-report{_suffix(referral.report.name or '')}",
                referral.report,
            )
            for referral in Referral.objects.filter(episode__patient=self.patient).exclude(
                report=""
            )
        ]


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > name.rfind("/") else ""


class _Users:
    """user id -> username, looked up once per export."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def name(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in self._names:
            user = get_user_model().objects.filter(pk=user_id).first()
            self._names[user_id] = user.get_username() if user else f"user {user_id}"
        return self._names[user_id]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds") if value.tzinfo else value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _shown(value: Any, choices: dict[Any, str] | None) -> str:
    if value is None or value == "":
        return "—"
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return str(value)


def _section(
    key: str,
    title: str,
    objects: Iterable[models.Model],
    users: _Users,
    *,
    choice_labels: bool = True,
) -> Section:
    User = get_user_model()
    records: list[dict[str, Any]] = []
    rows: list[list[tuple[str, str]]] = []
    for obj in objects:
        record: dict[str, Any] = {}
        row: list[tuple[str, str]] = []
        for model_field in obj._meta.concrete_fields:
            if model_field.name in LEFT_OUT:
                continue
            value = _plain(getattr(obj, model_field.attname))
            record[model_field.attname] = value
            label = str(model_field.verbose_name)
            if model_field.is_relation and model_field.related_model is User:
                username = users.name(value)
                record[f"{model_field.name}_username"] = username
                row.append((label, username or "—"))
                continue
            choices = (
                dict(model_field.flatchoices) if choice_labels and model_field.choices else None
            )
            row.append((label, _shown(value, choices)))
        for many in obj._meta.many_to_many:
            names = [str(related) for related in getattr(obj, many.name).all()]
            record[many.name] = names
            row.append((str(many.verbose_name), "; ".join(names) or "—"))
        records.append(record)
        rows.append(row)
    return Section(key=key, title=title, records=records, rows=rows)


def patient_record(patient: Patient, *, exported_by: str) -> PatientRecordExport:
    """Every part of `patient`'s record, oldest first within each section."""
    users = _Users()
    episodes = Episode.objects.filter(patient=patient)
    of_episodes = Q(episode__patient=patient)
    reminders = Reminder.objects.filter(Q(patient=patient) | Q(about_patient=patient))
    referrals = Referral.objects.filter(of_episodes)
    reviews = RoutingReview.objects.filter(of_episodes)
    parts: list[tuple[str, str, Iterable[models.Model]]] = [
        ("demographics", gettext("Demographics"), [patient]),
        ("episodes", gettext("Episodes of care"), episodes.order_by("pk")),
        ("episode_events", gettext("Episode timeline"), EpisodeEvent.objects.filter(of_episodes).order_by("pk")),
        ("phone_screens", gettext("Phone screens"), PhoneScreen.objects.filter(Q(patient=patient) | of_episodes).order_by("pk")),
        ("questionnaire_responses", gettext("Questionnaire responses"), QuestionnaireResponse.objects.filter(of_episodes).order_by("pk")),
        ("triage_decisions", gettext("Triage decisions"), TriageDecision.objects.filter(Q(patient=patient) | of_episodes).order_by("pk")),
        ("red_flag_alerts", gettext("Red-flag alerts to the family physician"), PhysicianAlert.objects.filter(Q(patient=patient) | of_episodes).order_by("pk")),
        ("assessments", gettext("Assessments"), Assessment.objects.filter(of_episodes).order_by("pk")),
        ("outcomes", gettext("Outcome measures"), OutcomeMeasurement.objects.filter(of_episodes).order_by("pk")),
        ("self_management_plans", gettext("Self-management plans"), SelfManagementPlan.objects.filter(of_episodes).order_by("pk")),
        ("follow_up_plans", gettext("Follow-up plans"), FollowUpPlan.objects.filter(of_episodes).order_by("pk")),
        ("discharges", gettext("Discharges"), Discharge.objects.filter(of_episodes).order_by("pk")),
        ("consultation_notes", gettext("Consultation notes and addenda"), ConsultationNote.objects.filter(of_episodes).order_by("episode_id", "pk")),
        ("note_replies", gettext("Replies to consultation notes"), NoteReply.objects.filter(note__episode__patient=patient).order_by("pk")),
        ("note_reads", gettext("Consultation notes read by the family physician"), NoteRead.objects.filter(note__episode__patient=patient).order_by("pk")),
        ("incoming_referrals", gettext("Referrals to physiotherapy"), IncomingReferral.objects.filter(patient=patient).order_by("pk")),
        ("routing_reviews", gettext("Referral routing reviews"), reviews.order_by("pk")),
        ("referral_suggestions", gettext("Referral suggestions"), ReferralSuggestion.objects.filter(review__in=reviews).order_by("pk")),
        ("referrals", gettext("Referrals onward"), referrals.order_by("pk")),
        ("referral_events", gettext("Referral tracking"), ReferralEvent.objects.filter(referral__in=referrals).order_by("pk")),
        ("appointments", gettext("Appointments"), Appointment.objects.filter(patient=patient).order_by("start", "pk")),
        ("waitlist", gettext("Waitlist entries"), WaitlistEntry.objects.filter(patient=patient).order_by("pk")),
        ("waitlist_offers", gettext("Freed slots offered from the waitlist"), WaitlistOffer.objects.filter(patient=patient).order_by("pk")),
        ("messages", gettext("Messages and reminders"), reminders.order_by("due_at", "pk")),
        ("message_deliveries", gettext("Message deliveries"), Delivery.objects.filter(reminder__in=reminders).order_by("pk")),
        ("emergency_access", gettext("Break-the-glass access"), EmergencyAccess.objects.filter(patient_id=patient.pk).order_by("pk")),
        ("access_audit", gettext("Who accessed the record (audit log)"), AuditEvent.objects.filter(patient_id=patient.pk).order_by("seq", "pk")),
    ]  # fmt: skip
    return PatientRecordExport(
        patient=patient,
        exported_at=timezone.localtime(),
        exported_by=exported_by,
        sections=[_section(key, title, objects, users) for key, title, objects in parts],
    )
