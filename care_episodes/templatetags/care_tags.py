"""The patient header every patient page includes (intake, triage and care pages alike)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from care_episodes.models import Episode
from care_episodes.selectors import PathwayStep, PatientHeader, patient_header
from intake.models import Patient
from lbp_pathway.access import Area, Role, has_role, roles_of, roles_with

register = template.Library()

_STEP_URLS = {
    "triage": "triage:episode_triage",
    "assessment": "care_episodes:assessment",
    "outcomes": "care_episodes:outcome_add",
    "plan": "care_episodes:plan",
    "follow_up": "care_episodes:follow_up",
    "discharge": "care_episodes:discharge",
}


def step_url(header: PatientHeader, step: PathwayStep) -> str | None:
    """Where the step is done; the note is drafted by a POST (None) unless a draft is open."""
    assert header.episode is not None
    if step.key == "note":
        if header.draft_note_id is not None:
            return reverse("care_episodes:note_edit", args=[header.draft_note_id])
        return None
    return reverse(_STEP_URLS[step.key], args=[header.episode.pk])


@register.inclusion_tag("care_episodes/_patient_header.html", takes_context=True)
def patient_header_for(
    context: template.Context, patient: Patient, episode: Episode | None = None
) -> dict[str, Any]:
    """Name, birth date and age, masked health card, language, flags, the current episode and its
    stratum, and the pathway steps: links for the physiotherapist in care, plain words otherwise."""
    header = patient_header(patient, episode)
    request = context.get("request")
    user = getattr(request, "user", None)
    links = (
        user is not None
        and header.episode is not None
        and has_role(user, Role.PHYSIOTHERAPIST)
        and header.episode.physiotherapist_id == user.pk
    )
    # Which steps are done is part of the clinical record: shown to the roles that read it only
    # (the front desk sees the episode's status and stratum, as before).
    clinical = user is not None and bool(set(roles_of(user)) & roles_with(Area.CLINICAL_RECORDS))
    steps = []
    for step in header.steps if clinical else []:
        url = step_url(header, step) if links else None
        steps.append({"step": step, "url": url})
    return {
        "header": header,
        "steps": steps,
        "links": links,
        "note_draft_url": (
            reverse("care_episodes:note_draft", args=[header.episode.pk])
            if links and header.episode is not None
            else None
        ),
        "csrf_token": context.get("csrf_token"),
        "on_episode_page": bool(episode is not None),
    }


@register.filter
def translate_label(value: object) -> str:
    """A label of the rules module (care_episodes.outcomes, kept in English) in the page's language;
    the labels are in the catalogue through care_episodes.outcome_labels."""
    return gettext(str(value)) if value else ""
