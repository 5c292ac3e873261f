"""A waitlisted patient answers a freed-slot offer (/p/offer/<token>/): accept or decline.

Accepting books through intake's booking services under the same guarantee as every booking (the
advisory lock and the exclusion constraint: two patients accepting at once end with one visit); the
winner gets a booking confirmation with a link to manage the visit (a used booking link, so cancel,
move and the .ics work as for self-booking), and the other offers of that slot are closed as gone.
Declining passes the slot on to the next waiting patient."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake import offers as intake_offers
from intake import services as intake_services
from intake.models import Appointment, WaitlistEntry, WaitlistOffer
from lbp_pathway import audit
from patients import booking
from patients.booking_models import BookingLink

Status = WaitlistOffer.Status


class OfferRefused(Exception):
    """The visit cannot be booked online; the message is for the patient."""


MESSAGES = {
    Status.GONE: _("Sorry, this slot has been taken by another patient. You stay on the waitlist."),
    Status.EXPIRED: _("This offer has expired. You stay on the waitlist."),
    Status.DECLINED: _("You declined this offer. You stay on the waitlist."),
    Status.ACCEPTED: _("You have already taken this visit."),
}
UNKNOWN_MESSAGE = _("This link is not valid. Please check it, or call the clinic.")
NOT_ONLINE_MESSAGE = _("This visit cannot be booked online. Please call the clinic.")
CLOSED_MESSAGE = _("This offer is no longer open. Please call the clinic.")


def message_for(offer: WaitlistOffer) -> str:
    return str(MESSAGES.get(offer.status, CLOSED_MESSAGE))  # type: ignore[call-overload]


def patient_actor(offer: WaitlistOffer, ip_address: str | None = None) -> audit.Actor:
    return audit.Actor(
        user=None,
        path="/p/offer/…",
        ip_address=ip_address,
        claimed_username=f"patient via waitlist offer {offer.pk}",
    )


def _lock(offer: WaitlistOffer) -> WaitlistOffer:
    return (
        WaitlistOffer.objects.select_for_update(of=("self",))
        .select_related("patient", "site", "practitioner", "appointment_type", "freed")
        .get(pk=offer.pk)
    )


def accept_offer(
    offer: WaitlistOffer,
    *,
    actor: audit.Actor,
    url_for: Callable[[str], booking.Urls],
    now: datetime | None = None,
) -> tuple[WaitlistOffer, str]:
    """Take the offered slot. Returns the offer as it now stands and, when it was booked, the token
    of the booking link that manages the visit (empty otherwise: gone, expired, declined before).
    OfferRefused when the patient cannot book online (a hold; the reason stays with the clinic)."""
    now = now or timezone.now()
    offer = intake_offers.refresh(offer, now=now)
    if offer.status != Status.OFFERED:
        return offer, ""
    with transaction.atomic():
        # Accepts of offers for this practitioner queue here, before any row is locked: the winner
        # closes the others' offers without waiting on a patient who waits on the winner.
        intake_services.lock_practitioner_bookings(offer.practitioner_id)
        locked = _lock(offer)
        if locked.status != Status.OFFERED or now >= locked.expires_at:
            return locked, ""
        entry = WaitlistEntry.objects.select_for_update().get(pk=locked.entry_id)
        if entry.status != WaitlistEntry.Status.WAITING:
            raise OfferRefused(CLOSED_MESSAGE)
        current = (
            Appointment.objects.filter(
                pk=entry.appointment_id, status=Appointment.Status.BOOKED, start__gt=now
            ).first()
            if entry.appointment_id
            else None
        )
        try:
            if current is not None:
                appointment = intake_services.reschedule_appointment(
                    current,
                    practitioner=locked.practitioner,
                    site=locked.site,
                    start=locked.start,
                    actor=actor,
                    now=now,
                )
            else:
                appointment = intake_services.book_appointment(
                    patient=locked.patient,
                    practitioner=locked.practitioner,
                    site=locked.site,
                    start=locked.start,
                    appointment_type=locked.appointment_type,
                    actor=actor,
                    now=now,
                )
        except intake_services.SlotTaken:
            intake_offers.mark_gone(WaitlistOffer.objects.filter(pk=locked.pk), now=now)
            locked.refresh_from_db()
            return locked, ""
        except intake_services.BookingRefused as refused:
            raise OfferRefused(NOT_ONLINE_MESSAGE) from refused
        locked.status = Status.ACCEPTED
        locked.decided_at = now
        locked.appointment = appointment
        locked.save(update_fields=["status", "decided_at", "appointment"])
        entry.status = WaitlistEntry.Status.DONE
        entry.save(update_fields=["status"])
        intake_offers.mark_gone(intake_offers.clashing(locked), now=now)
        token = _manage_link(locked, appointment, url_for, now)
        audit.record(actor, audit.Action.CHANGE, "Waitlist offer accepted", patient=locked.patient)
        return locked, token


def _manage_link(
    offer: WaitlistOffer,
    appointment: Appointment,
    url_for: Callable[[str], booking.Urls],
    now: datetime,
) -> str:
    """A booking link already used for this visit: the patient cancels or moves it from there."""
    token = secrets.token_urlsafe(32)
    link = BookingLink.objects.create(
        token_hash=booking.hash_token(token),
        patient=offer.patient,
        created_at=now,
        expires_at=now,
        used_at=now,
        appointment=appointment,
    )
    booking.confirm(link, appointment, url_for(token), now)
    return token


def decline_offer(
    offer: WaitlistOffer, *, actor: audit.Actor, now: datetime | None = None
) -> WaitlistOffer:
    """Say no: the offer closes and the slot passes to the next waiting patient."""
    now = now or timezone.now()
    offer = intake_offers.refresh(offer, now=now)
    if offer.status != Status.OFFERED:
        return offer
    with transaction.atomic():
        locked = _lock(offer)
        if locked.status != Status.OFFERED:
            return locked
        locked.status = Status.DECLINED
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_at"])
        intake_offers.offer_freed_slot(locked.freed, now=now)
        audit.record(actor, audit.Action.CHANGE, "Waitlist offer declined", patient=locked.patient)
        return locked
