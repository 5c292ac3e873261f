"""Triage panels other apps' pages include, e.g. the physician home's alert list."""

from django import template

register = template.Library()


@register.inclusion_tag("triage/_physician_alerts.html")
def physician_alerts(user):
    """Open emergency/urgent red-flag alerts for this physician's panel (filled in by the triage app)."""
    return {"alerts": []}
