"""Security reads: the audit log search, break-the-glass grants, locks and two-factor users."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbp_pathway.models import AuditEvent, EmergencyAccess, SignInFailures


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
