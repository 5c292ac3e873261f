"""Questionnaire invites for tests: a link as the sweep would create it, token returned."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from followup_measures.models import QuestionnaireInvite
from triage.models import hash_token


def invite_token(episode, timepoint: str = "six_weeks", *, expires_in_days: int = 14) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    QuestionnaireInvite.objects.create(
        episode=episode,
        timepoint=timepoint,
        token_hash=hash_token(token),
        sent_at=now,
        expires_at=now + timedelta(days=expires_in_days),
        schedule_version="test",
    )
    return token
