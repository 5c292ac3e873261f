"""The consultation note goes back to whoever referred (issue 17): the referring clinician of the
episode's incoming referral (a family physician or nurse practitioner of the team, or an outside
clinician) and the patient's family physician when that is someone else.

Signing the note (services.sign_note) calls `queue_note_notices` inside its transaction:
- a clinician of the team reads the note in the app (the physician inbox lists notes for patients
  they referred as well as their panel): an in-app notification and an email that names no patient
  and no clinical detail, through the reminders outbox;
- an outside clinician has no account. When their referral came from a partner system, a
  `NoteDelivery` row tells that system (a signed webhook notice carrying ids only, or, without a
  webhook, a row the partner polls through the API); when they gave an email address, a second row
  sends an email without clinical content.
`NoteDelivery` rows are an outbox: the dispatcher (tasks.py) claims due rows and sends each, retrying
with back-off until NOTE_DELIVERY_MAX_ATTEMPTS, then marks it failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from care_episodes.models import ConsultationNote, Episode, NoteDelivery, PartnerEndpoint
from intake.models import IncomingReferral, Referrer
from reminders import services as reminders
from reminders.channels import (
    EmailChannel,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    post_webhook,
)
from reminders.rules import retry_delay

log = logging.getLogger(__name__)

Status = NoteDelivery.Status
Channel = NoteDelivery.Channel
NOTE_EVENT = "note-signed"


@dataclass(frozen=True)
class NoteRecipients:
    """Who a signed note goes to: clinicians of the team (by account) and outside referrers."""

    staff: list[User]
    outside: list[Referrer]


def note_recipients(episode: Episode) -> NoteRecipients:
    """The episode's referring clinician, then the patient's family physician when different."""
    staff: list[User] = []
    outside: list[Referrer] = []
    referral = (
        IncomingReferral.objects.select_related("referrer__user", "referring_physician")
        .filter(episode_id=episode.pk)
        .first()
    )
    if referral is not None:
        referrer = referral.referrer
        account = referrer.user if referrer is not None else None
        account = account or referral.referring_physician
        if account is not None:
            staff.append(account)
        elif referrer is not None:
            outside.append(referrer)
    family_physician = episode.patient.family_physician
    if family_physician is not None and all(u.pk != family_physician.pk for u in staff):
        staff.append(family_physician)
    return NoteRecipients(staff=[u for u in staff if u.is_active], outside=outside)


def queue_note_notices(note: ConsultationNote, *, now: datetime | None = None) -> NoteRecipients:
    """Tell everyone the signed note goes to. Call inside the signing transaction (an outbox)."""
    now = now or timezone.now()
    episode = note.episode
    recipients = note_recipients(episode)
    url = reverse("care_episodes:physician_note", args=[note.pk])
    for user in recipients.staff:
        reminders.schedule_note_signed_notice(
            user=user, patient=episode.patient, note_id=note.pk, url=url, now=now
        )
    for referrer in recipients.outside:
        if referrer.partner_key:
            endpoint = PartnerEndpoint.objects.filter(
                partner_key=referrer.partner_key, active=True
            ).first()
            NoteDelivery.objects.get_or_create(
                note=note,
                referrer=referrer,
                channel=Channel.WEBHOOK,
                defaults={
                    "partner_key": referrer.partner_key,
                    "status": Status.PENDING if endpoint else Status.AVAILABLE,
                    "due_at": now,
                },
            )
        if referrer.email:
            NoteDelivery.objects.get_or_create(
                note=note,
                referrer=referrer,
                channel=Channel.EMAIL,
                defaults={"partner_key": referrer.partner_key, "due_at": now},
            )
    return recipients


def webhook_payload(delivery: NoteDelivery) -> dict[str, str]:
    """Ids only: the partner reads the note itself through the API, with its own token."""
    return {"resourceType": "DocumentReference", "id": str(delivery.note_id), "event": NOTE_EVENT}


def email_wording(delivery: NoteDelivery) -> tuple[str, str]:
    """No patient name, no diagnosis, nothing clinical: only that a note is ready and where."""
    subject = "A consultation note is ready"
    if delivery.partner_key:
        where = "It is available in your referral system."
    else:
        where = "Please contact the clinic to receive it by your usual secure route."
    body = (
        "A consultation note for a patient you referred to the physiotherapy low back pain "
        f"pathway is ready. {where}\n\nThis message contains no patient information."
    )
    return subject, body


def partner_deliveries(partner_key: str) -> QuerySet[NoteDelivery]:
    """What a partner system may poll: the notices of notes for its clinicians' referrals, newest
    first (for the API; the partner then reads each note as a DocumentReference)."""
    return (
        NoteDelivery.objects.filter(partner_key=partner_key, channel=Channel.WEBHOOK)
        .exclude(partner_key="")
        .select_related("note", "referrer")
        .order_by("-created_at", "-id")
    )


def record_partner_read(note_id: int, partner_key: str, *, now: datetime | None = None) -> int:
    """The partner's client read the note through the API: its notice is marked retrieved (the first
    time only). Returns how many notices were marked."""
    return NoteDelivery.objects.filter(
        note_id=note_id, partner_key=partner_key, retrieved_at__isnull=True
    ).update(retrieved_at=now or timezone.now())


# Sending -------------------------------------------------------------------------------------------


@transaction.atomic
def claim_due_note_deliveries(
    *, limit: int = 100, now: datetime | None = None
) -> tuple[str, list[int]]:
    """Mark up to `limit` due deliveries as sending under a fresh token; rows another dispatcher holds
    are skipped, and a row stuck in sending (its worker died) is claimed again after a while."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTE_DELIVERY_CLAIM_TIMEOUT_SECONDS)
    token = uuid4().hex
    ids = list(
        NoteDelivery.objects.filter(
            Q(status=Status.PENDING, due_at__lte=now)
            | Q(status=Status.SENDING, claimed_at__lt=stale)
        )
        .order_by("due_at")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )
    if ids:
        NoteDelivery.objects.filter(id__in=ids).update(
            status=Status.SENDING, claimed_at=now, claim_token=token
        )
    return token, ids


def _send(delivery: NoteDelivery) -> str:
    if delivery.channel == Channel.WEBHOOK:
        endpoint = PartnerEndpoint.objects.filter(
            partner_key=delivery.partner_key, active=True
        ).first()
        if endpoint is None:
            raise PermanentSendError("no active webhook for this partner")
        return post_webhook(
            endpoint.webhook_url,
            webhook_payload(delivery),
            secret=endpoint.secret,
            idempotency_key=delivery.idempotency_key,
            timeout=settings.NOTE_WEBHOOK_TIMEOUT_SECONDS,
        )
    address = delivery.referrer.email
    if not address:
        raise PermanentSendError("no email address")
    subject, body = email_wording(delivery)
    return EmailChannel().send(OutgoingMessage(delivery.idempotency_key, address, subject, body))


def _finish(delivery_id: int, token: str, outcome: str, error: str, now: datetime) -> str:
    with transaction.atomic():
        delivery = NoteDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Status.SENDING or delivery.claim_token != token:
            return "skipped"  # claimed again meanwhile: that owner decides
        delivery.attempts += 1
        delivery.claimed_at = None
        delivery.claim_token = ""
        delivery.last_error = error[:300]
        if outcome == "sent":
            delivery.status = Status.SENT
            delivery.sent_at = now
        elif outcome == "permanent" or delivery.attempts >= settings.NOTE_DELIVERY_MAX_ATTEMPTS:
            delivery.status = Status.FAILED
            outcome = "failed"
        else:
            delivery.status = Status.PENDING
            delivery.due_at = now + retry_delay(
                delivery.attempts, settings.NOTE_DELIVERY_RETRY_BASE_SECONDS
            )
            outcome = "retry"
        delivery.save()
        return outcome


def deliver_note_deliveries(
    ids: list[int], token: str, *, now: datetime | None = None
) -> list[str]:
    """Send each claimed delivery (outside any transaction), then record it: sent; or, after a
    timeout, a network error or a 5xx, due again later with exponential back-off; or failed (a
    refusal, or NOTE_DELIVERY_MAX_ATTEMPTS reached). The webhook carries the delivery's key in a
    header, so a partner recognises a notice repeated after a crash."""
    outcomes: list[str] = []
    for delivery_id in ids:
        delivery = (
            NoteDelivery.objects.select_related("referrer")
            .filter(pk=delivery_id, status=Status.SENDING, claim_token=token)
            .first()
        )
        if delivery is None:
            outcomes.append("skipped")
            continue
        try:
            _send(delivery)
            outcome, error = "sent", ""
        except PermanentSendError as failure:
            outcome, error = "permanent", str(failure) or "refused"
        except TransientSendError as failure:
            outcome, error = "transient", str(failure) or "temporary failure"
        except Exception as failure:  # unexpected: retry rather than lose the notice
            log.exception("note delivery %s: unexpected error", delivery_id)
            outcome, error = "transient", f"{type(failure).__name__}: {failure}"
        outcomes.append(_finish(delivery_id, token, outcome, error, now or timezone.now()))
    return outcomes


def send_due_note_deliveries(*, now: datetime | None = None, limit: int = 100) -> list[str]:
    """Claim what is due and send it, in this process (the dispatcher task, and the tests)."""
    token, ids = claim_due_note_deliveries(limit=limit, now=now)
    return deliver_note_deliveries(ids, token, now=now)
