"""Triage panels other apps' pages include, e.g. the physician home's alert list."""

from typing import Any

from django import template

from triage.selectors import open_alerts_for_physician, triage_disposition

register = template.Library()


@register.inclusion_tag("triage/_physician_alerts.html")
def physician_alerts(user: Any) -> dict[str, Any]:
    """Open emergency/urgent red-flag alerts for this physician's panel."""
    if not getattr(user, "is_authenticated", False):
        return {"alerts": []}
    return {"alerts": list(open_alerts_for_physician(user))}


@register.inclusion_tag("triage/_disposition.html")
def triage_outcome(patient: Any) -> dict[str, Any]:
    """The front desk's line on a patient page: the triage outcome in words, never the answers."""
    return {"disposition": triage_disposition(patient)}
