"""Outcome questionnaires by link: send what is due (schedule.py) through the reminders outbox,
remind once, and score the answers into the episode with the same service staff use.

Links are single-use and expire; only their SHA-256 is stored here. The outbox row carries the URL
until the message has gone (like every reminder's link), never a score or a diagnosis.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from care_episodes import lifecycle
from care_episodes import services as care
from care_episodes.models import Episode, OutcomeMeasurement
from followup_measures import schedule
from followup_measures.models import QuestionnaireInvite
from intake.models import Appointment
from lbp_pathway import audit
from reminders import services as reminders
from triage import services as triage
from triage.models import hash_token

PATIENT_LINK_REASON = "Outcome questionnaire answered by the patient (secure link)"


class LinkUnavailable(Exception):
    """The link is unknown, used or expired."""


@dataclass(frozen=True)
class Answers:
    nprs: int | None
    rmdq_items: list[bool] | None
    psfs_activities: list[tuple[str, float]]
    grc: int | None
    odi_sections: list[int | None] | None = None


def base_url() -> str:
    return str(settings.PATIENT_LINK_BASE_URL).rstrip("/")


def reminder_key(episode_id: int, timepoint: str) -> str:
    return reminders.outcome_key(episode_id, timepoint)


def _invite(episode: Episode, timepoint: str, now: datetime) -> bool:
    """Create the link and its two outbox rows (now, and the one reminder); False if not sendable."""
    patient = episode.patient
    if reminders.patient_channel(patient, "outcome_due") is None:
        return False  # no consent or no address: the physio measures at the visit instead
    if episode.outcomes.filter(timepoint=timepoint).exists():
        return False  # already measured (by the physio, or a link answered)
    token = secrets.token_urlsafe(32)
    QuestionnaireInvite.objects.create(
        episode=episode,
        timepoint=timepoint,
        token_hash=hash_token(token),
        sent_at=now,
        expires_at=now + timedelta(days=schedule.LINK_DAYS),
        schedule_version=schedule.SCHEDULE_VERSION,
    )
    url = base_url() + reverse("followup_measures:answer", args=[token])
    site = episode.site.name if episode.site is not None else ""
    key = reminder_key(episode.pk, timepoint)
    reminders.schedule_outcome_reminder(
        patient=patient, key=key, due_at=now, site=site, questionnaire_url=url
    )
    reminders.schedule_outcome_reminder(
        patient=patient,
        key=f"{key}:again",
        due_at=now + timedelta(days=schedule.REMIND_AFTER_DAYS),
        site=site,
        questionnaire_url=url,
    )
    lifecycle.note_event(
        episode,
        lambda: (
            gettext("Outcome questionnaire sent (%(timepoint)s)")
            % {"timepoint": OutcomeMeasurement.Timepoint(timepoint).label}
        ),
    )
    audit.record(
        audit.SYSTEM,
        audit.Action.CREATE,
        f"outcome questionnaire link ({timepoint}) for episode {episode.pk}",
        patient=patient,
    )
    return True


def send_due_questionnaires(*, today: date | None = None, now: datetime | None = None) -> int:
    """Send every questionnaire due today that has not been sent; safe to run again (one invite
    per episode and timepoint, enforced by the database). Returns how many were sent."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    oldest = schedule.add_months(today, -12) - timedelta(days=schedule.LINK_DAYS)
    episodes = (
        Episode.objects.filter(
            first_assessed_on__gte=oldest,
            first_assessed_on__lte=today,
            status__in=[*schedule.IN_CARE_STATES, schedule.DISCHARGED],
        )
        .select_related("patient", "site")
        .order_by("pk")
    )
    sent_before = set(
        QuestionnaireInvite.objects.filter(episode__in=episodes).values_list(
            "episode_id", "timepoint"
        )
    )
    count = 0
    for episode in episodes.iterator(chunk_size=500):
        assert episode.first_assessed_on is not None
        for due in schedule.due_now(
            stratum=episode.risk,
            state=episode.status,
            baseline=episode.first_assessed_on,
            today=today,
        ):
            if (episode.pk, due.timepoint) in sent_before:
                continue
            try:
                with transaction.atomic():
                    count += _invite(episode, due.timepoint, now)
            except IntegrityError:
                continue  # another sweep sent this one at the same moment
    return count


START_BACK_LOOKBACK_DAYS = 7


def start_back_key(episode_id: int) -> str:
    return f"outcome_due:{episode_id}:start_back"


def send_start_back_links(*, now: datetime | None = None) -> int:
    """STarT Back at intake: a booked episode not yet triaged gets the existing patient link
    (triage.services.create_questionnaire_link, created in the name of whoever booked) by the
    channel the patient consented to; once per episode. Returns how many were sent."""
    now = now or timezone.now()
    since = timezone.localdate(now) - timedelta(days=START_BACK_LOOKBACK_DAYS)
    episodes = (
        Episode.objects.filter(status=Episode.Status.BOOKED, booked_on__gte=since, risk="")
        .exclude(questionnaire_responses__isnull=False)
        .exclude(questionnaire_links__isnull=False)
        .select_related("patient", "site")
        .order_by("pk")
    )
    count = 0
    for episode in episodes:
        if reminders.patient_channel(episode.patient, "outcome_due") is None:
            continue
        appointment = (
            Appointment.objects.filter(episode=episode, status=Appointment.Status.BOOKED)
            .order_by("-created_at")
            .first()
        )
        if appointment is None:
            continue
        person = appointment.booked_by or appointment.practitioner
        with transaction.atomic():
            # Lock the episode so that two sweeps at once send one link, not two.
            locked = Episode.objects.select_for_update().get(pk=episode.pk)
            if locked.questionnaire_links.exists():
                continue
            _link, token = triage.create_questionnaire_link(episode, actor=audit.as_actor(person))
            reminders.schedule_outcome_reminder(
                patient=episode.patient,
                key=start_back_key(episode.pk),
                due_at=now,
                site=episode.site.name if episode.site is not None else "",
                questionnaire_url=base_url()
                + reverse("triage:patient_questionnaire", args=[token]),
            )
            lifecycle.note_event(episode, gettext_noop("STarT Back link sent to the patient"))
        count += 1
    return count


def invite_for(token: str) -> QuestionnaireInvite | None:
    """The invite for this token whether usable or not (the page says which)."""
    return (
        QuestionnaireInvite.objects.select_related("episode__patient")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def submit_answers(token: str, answers: Answers, *, actor: audit.Actor) -> OutcomeMeasurement:
    """Score the answers into the episode (care_episodes.services.record_outcomes, the same scoring
    as the physio's form) and use the link up; LinkUnavailable if it is used or expired."""
    invite = (
        QuestionnaireInvite.objects.select_for_update(of=("self",))
        .select_related("episode__patient")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invite is None or not invite.usable:
        raise LinkUnavailable
    now = timezone.now()
    measurement = care.record_outcomes(
        invite.episode,
        actor=actor,
        measured_on=timezone.localdate(now),
        timepoint=invite.timepoint,
        nprs=answers.nprs,
        rmdq_items=answers.rmdq_items,
        psfs_activities=answers.psfs_activities or None,
        grc=answers.grc,
        odi_sections=answers.odi_sections,
    )
    invite.used_at = now
    invite.measurement = measurement
    invite.save(update_fields=["used_at", "measurement"])
    reminders.cancel_reminders(
        reminder_key(invite.episode_id, invite.timepoint), reason="questionnaire answered"
    )
    lifecycle.note_event(
        invite.episode, gettext_noop("Outcome questionnaire answered by the patient")
    )
    audit.record(
        actor,
        audit.Action.CREATE,
        f"outcome answers {measurement.pk} (patient link)",
        patient=invite.episode.patient,
        reason=PATIENT_LINK_REASON,
    )
    return measurement
