"""Triage panels other apps' pages include, e.g. the physician home's alert list."""

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser, User

from intake.models import Patient
from triage.selectors import open_alerts_for_physician, triage_disposition

register = template.Library()


@register.inclusion_tag("triage/_physician_alerts.html")
def physician_alerts(user: User | AnonymousUser) -> dict[str, Any]:
    """Open emergency/urgent red-flag alerts for this physician's panel."""
    if not isinstance(user, User):  # anonymous (or no user in the template's context)
        return {"alerts": []}
    return {"alerts": list(open_alerts_for_physician(user))}


@register.inclusion_tag("triage/_disposition.html")
def triage_outcome(patient: Patient) -> dict[str, Any]:
    """The front desk's line on a patient page: the triage outcome in words, never the answers."""
    return {"disposition": triage_disposition(patient)}
