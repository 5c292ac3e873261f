"""Security reads: the audit log search, break-the-glass grants, locks and two-factor users."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbp_pathway.models import AuditEvent, EmergencyAccess, SignInFailures, StaffPreference
from lbp_pathway.records import PatientRecord

# How many patients the privacy officer's search lists before asking for more detail.
AUDIT_PATIENT_CHOICES = 20


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(
    *,
    patient_id: int | None = None,
    username: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Who looked at this patient's record / what did this user look at, over a period."""
    events = AuditEvent.objects.all()
    if patient_id is not None:
        events = events.filter(patient_id=patient_id)
    if username:
        events = events.filter(username=username)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to) + timedelta(days=1))
    return events.order_by("-at", "-id")


def emergency_accesses(*, unreviewed_only: bool = False) -> QuerySet[EmergencyAccess]:
    grants = EmergencyAccess.objects.select_related("user", "reviewed_by")
    if unreviewed_only:
        grants = grants.filter(reviewed_at__isnull=True)
    return grants.order_by("reviewed_at", "-granted_at")


def current_locks() -> QuerySet[SignInFailures]:
    return SignInFailures.objects.filter(locked_until__gt=timezone.now()).order_by("-locked_until")


def two_factor_users() -> QuerySet[TOTPDevice]:
    """Confirmed authenticators (django-otp TOTP devices) with their users; never their keys."""
    devices: QuerySet[TOTPDevice] = (
        TOTPDevice.objects.filter(confirmed=True)
        .select_related("user")
        .defer("key")
        .order_by("user__username")
    )
    return devices


def account_changes(limit: int = 20) -> QuerySet[AuditEvent]:
    """The latest role, flag and two-factor rule changes, for the administrators' home page."""
    return AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT).order_by("-at", "-id")[
        :limit
    ]


def describe_filters(filters: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in filters.items() if value not in ("", None))


def find_patients(query: str, limit: int = AUDIT_PATIENT_CHOICES) -> list[PatientRecord]:
    """Patients matching a name, birth date (YYYY-MM-DD) or health card number, with the front desk's
    search (settings.PATIENT_SEARCH names it: the patient model and its search live on a higher floor)."""
    search = import_string(settings.PATIENT_SEARCH)
    return list(search(query, limit))


def patient_labels(patient_ids: set[int]) -> dict[int, str]:
    """ "Surname, First name (YYYY-MM-DD)" for each id, in one query: the privacy officer needs to know
    whose record was opened, and an internal id tells nobody that."""
    if not patient_ids:
        return {}
    patient_model = apps.get_model("intake", "Patient")
    rows = patient_model.objects.filter(pk__in=patient_ids).values_list(
        "pk", "last_name", "first_name", "date_of_birth"
    )
    return {pk: f"{last}, {first} ({born:%Y-%m-%d})" for pk, last, first, born in rows}


def masked_health_card(number: str | None) -> str:
    """Only the last three digits of a health card number."""
    if not number:
        return "no health card"
    return "•" * (len(number) - 3) + number[-3:]


def staff_language(user: Any) -> str:
    """The language (en or fr) a staff member saved for their screens and notifications; the site's
    default language when they saved none."""
    user_id = getattr(user, "pk", None)
    saved = (
        StaffPreference.objects.filter(user_id=user_id).values_list("language", flat=True).first()
        if user_id is not None
        else None
    )
    return saved or translation.get_supported_language_variant(settings.LANGUAGE_CODE)
