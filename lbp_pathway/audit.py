"""Record access to patient records. Every view, create, change, print/export of a patient's record or any
part of it calls `record` (PHIPA: who, when, which patient, what, from where, why)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lbp_pathway.models import AuditEvent

Action = AuditEvent.Action


def client_address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def record(
    request: HttpRequest,
    action: str,
    what: str,
    *,
    patient: Any = None,
    patient_id: int | None = None,
    reason: str = "",
) -> AuditEvent:
    user = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user else "",
        patient_id=patient.pk if patient is not None else patient_id,
        action=action,
        what=what[:200],
        path=request.path[:300],
        ip_address=client_address(request),
        reason=reason[:300],
    )
