"""Waitlist offers: when a slot frees (an appointment cancelled, or moved away), the next suitable
waitlisted patients are offered it by SMS or email with a single-use, expiring, unguessable link
(/p/offer/<token>/, the patients app's page). Offers are written in the transaction that frees the slot
(the reminders outbox sends them after commit); a slot is offered to each waiting request once, to
WAITLIST_OFFER_BATCH patients at a time, and passed on to the next when one declines or lets it expire.

Accepting books through intake's booking services (patients/offers.py), so the database's
no-double-booking constraint decides who gets the slot; this module only marks the others gone."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from intake.models import Appointment, WaitlistEntry, WaitlistOffer
from reminders import services as reminders

Status = WaitlistOffer.Status


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def offer_for(token: str) -> WaitlistOffer | None:
    if not token or len(token) > 100:
        return None
    return (
        WaitlistOffer.objects.select_related("patient", "site", "freed", "appointment", "entry")
        .filter(token_hash=hash_token(token))
        .first()
    )


def offer_url(token: str) -> str:
    """The absolute address of the offer page (the patients app's URL, looked up by name)."""
    base = str(settings.PATIENT_LINK_BASE_URL).rstrip("/")
    return base + reverse("patients:offer", args=[token])


def slot_taken(slot: WaitlistOffer | Appointment) -> bool:
    """Whether a live appointment of the practitioner now overlaps the slot's time."""
    overlapping = Appointment.objects.filter(
        practitioner_id=slot.practitioner_id, start__lt=slot.end, end__gt=slot.start
    ).exclude(status=Appointment.Status.CANCELLED)
    return overlapping.exists()


def _live(now: datetime) -> Q:
    return Q(status=Status.OFFERED, expires_at__gt=now)


def _suitable(freed: Appointment, entry: WaitlistEntry, now: datetime) -> bool:
    patient = entry.patient
    if patient.pk == freed.patient_id or patient.booking_hold:
        return False
    if entry.practitioner_id not in (None, freed.practitioner_id):
        return False
    if entry.site_id not in (None, freed.site_id):
        return False
    current = entry.appointment
    if current is not None and current.status == Appointment.Status.BOOKED and current.start > now:
        # Moving a booked visit earlier: the same kind of visit, and truly earlier.
        if current.appointment_type_id != freed.appointment_type_id:
            return False
        if current.start <= freed.start:
            return False
    elif not freed.appointment_type.is_new_assessment:
        return False  # nothing booked: they wait for a first-contact visit
    return reminders.patient_channel(patient, reminders.Kind.WAITLIST_OFFER) is not None


def _candidates(freed: Appointment, now: datetime) -> list[WaitlistEntry]:
    already = WaitlistOffer.objects.filter(freed=freed).values("entry_id")
    busy = WaitlistOffer.objects.filter(_live(now)).values("entry_id")
    entries = (
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING)
        .exclude(pk__in=already)
        .exclude(pk__in=busy)
        .select_related("patient", "appointment")
        .order_by("added_at", "id")
    )
    return [entry for entry in entries if _suitable(freed, entry, now)]


def offer_freed_slot(freed: Appointment, *, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer the time of `freed` (cancelled, or moved away) to the next waiting patients, up to
    WAITLIST_OFFER_BATCH live offers at once. Call it in the transaction that frees the slot; calling
    it again (a retry, a second cancel request) adds nothing while those offers stand."""
    now = now or timezone.now()
    with transaction.atomic():
        # Offers for one freed slot are made one run after the other.
        freed = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("appointment_type", "site")
            .get(pk=freed.pk)
        )
        if freed.status != Appointment.Status.CANCELLED or freed.start <= now:
            return []
        if slot_taken(freed):
            return []
        offers = WaitlistOffer.objects.filter(freed=freed)
        if offers.filter(status=Status.ACCEPTED).exists():
            return []
        wanted = settings.WAITLIST_OFFER_BATCH - offers.filter(_live(now)).count()
        made: list[WaitlistOffer] = []
        for entry in _candidates(freed, now)[: max(wanted, 0)]:
            offer = _make_offer(freed, entry, now)
            if offer is not None:
                made.append(offer)
        return made


def _make_offer(freed: Appointment, entry: WaitlistEntry, now: datetime) -> WaitlistOffer | None:
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            offer = WaitlistOffer.objects.create(
                token_hash=hash_token(token),
                entry=entry,
                patient=entry.patient,
                freed=freed,
                practitioner_id=freed.practitioner_id,
                site=freed.site,
                appointment_type=freed.appointment_type,
                start=freed.start,
                end=freed.end,
                created_at=now,
                expires_at=freed.start,
            )
    except IntegrityError:  # offered by a concurrent run a moment ago
        return None
    reminder = reminders.schedule_reminder(
        kind=reminders.Kind.WAITLIST_OFFER,
        key=f"waitlist_offer:{offer.pk}",
        due_at=now,
        patient=entry.patient,
        context={
            "first_name": entry.patient.first_name,
            "site": freed.site.name,
            "starts_at": freed.start.isoformat(),
            "url": offer_url(token),
        },
        now=now,
    )
    # The offer stands for WAITLIST_OFFER_HOURS from when its message may leave (quiet hours).
    offer.expires_at = min(
        max(reminder.due_at, now) + timedelta(hours=settings.WAITLIST_OFFER_HOURS), freed.start
    )
    offer.save(update_fields=["expires_at"])
    reminder.context = {**reminder.context, "expires_at": offer.expires_at.isoformat()}
    reminder.save(update_fields=["context"])
    return offer


def mark_gone(offers: QuerySet[WaitlistOffer], *, now: datetime) -> int:
    """The slot went to someone else: each live offer is closed and its patient told (or, if the offer
    has not left the outbox yet, it simply never leaves)."""
    count = 0
    for offer in offers.filter(status=Status.OFFERED).select_related("patient", "site"):
        offer.status = Status.GONE
        offer.decided_at = now
        offer.save(update_fields=["status", "decided_at"])
        count += 1
        if reminders.cancel_reminder(f"waitlist_offer:{offer.pk}", reason="slot taken"):
            continue
        reminders.schedule_reminder(
            kind=reminders.Kind.WAITLIST_GONE,
            key=f"waitlist_gone:{offer.pk}",
            due_at=now,
            patient=offer.patient,
            context={
                "first_name": offer.patient.first_name,
                "site": offer.site.name,
                "starts_at": offer.start.isoformat(),
            },
            now=now,
        )
    return count


def clashing(offer: WaitlistOffer) -> QuerySet[WaitlistOffer]:
    """The other live offers of the same practitioner's time (one freed slot, or one time freed
    twice): they are gone once this one is accepted."""
    return WaitlistOffer.objects.filter(
        status=Status.OFFERED,
        practitioner_id=offer.practitioner_id,
        start__lt=offer.end,
        end__gt=offer.start,
    ).exclude(pk=offer.pk)


def close_taken(appointment: Appointment, *, now: datetime) -> int:
    """A booking took this time (the front desk, a self-booking, or an offer accepted): the other
    patients' live offers of it are gone, and they are told. Called by book_appointment under the
    practitioner's booking lock."""
    return mark_gone(
        WaitlistOffer.objects.filter(
            status=Status.OFFERED,
            practitioner_id=appointment.practitioner_id,
            start__lt=appointment.end,
            end__gt=appointment.start,
        ).exclude(patient_id=appointment.patient_id),
        now=now,
    )


def refresh(offer: WaitlistOffer, *, now: datetime | None = None) -> WaitlistOffer:
    """Bring a live offer up to date when its page is opened: expired (and passed on) past its time,
    gone when the slot has been booked by someone else meanwhile."""
    now = now or timezone.now()
    if offer.status != Status.OFFERED:
        return offer
    if now >= offer.expires_at:
        expire_offers(now=now, only=offer.pk)
    elif slot_taken(offer):
        with transaction.atomic():
            mark_gone(WaitlistOffer.objects.filter(pk=offer.pk), now=now)
    offer.refresh_from_db()
    return offer


def expire_offers(*, now: datetime | None = None, only: int | None = None) -> int:
    """Offers past their time expire; each slot is then offered to the next waiting patient."""
    now = now or timezone.now()
    with transaction.atomic():
        due = WaitlistOffer.objects.select_for_update().filter(
            status=Status.OFFERED, expires_at__lte=now
        )
        if only is not None:
            due = due.filter(pk=only)
        freed_ids = set()
        count = 0
        for offer in due:
            offer.status = Status.EXPIRED
            offer.decided_at = now
            offer.save(update_fields=["status", "decided_at"])
            reminders.cancel_reminder(f"waitlist_offer:{offer.pk}", reason="offer expired")
            freed_ids.add(offer.freed_id)
            count += 1
        for freed in Appointment.objects.filter(pk__in=freed_ids):
            offer_freed_slot(freed, now=now)
        return count


def recent_offers(limit: int = 50) -> list[WaitlistOffer]:
    """The front desk's view: every offer with its outcome, newest first."""
    return list(
        WaitlistOffer.objects.select_related(
            "patient", "site", "practitioner", "appointment_type"
        ).order_by("-created_at", "-id")[:limit]
    )
