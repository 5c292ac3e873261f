"""Triage panels other apps' pages include, e.g. the physician home's alert list."""

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser, User

from intake.models import Patient
from triage import labels, rules
from triage.models import PhysicianAlert, TriageDecision
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


@register.simple_tag
def decision_words(decision: TriageDecision) -> dict[str, Any]:
    """A stored decision's words in the page's language (the record itself in English)."""
    return labels.decision_reasons(decision.reasons, decision.inputs, decision.outputs)


@register.filter
def start_back_words(score: rules.StartBackResult) -> str:
    """A live STarT Back score in words, in the page's language."""
    return labels.start_back_explanation(score)


@register.filter
def alert_words(alert: PhysicianAlert) -> str:
    """A red-flag alert's message in the page's language."""
    return labels.alert_message(alert)
