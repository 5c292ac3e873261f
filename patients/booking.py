"""Self-booking with a link: issue a link, list first-contact slots nearest first, book, cancel and
move, all through intake's booking services (so the database's exclusion constraint decides who gets
a slot, exactly as for staff bookings). One function per use case, audited in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from math import acos, cos, radians, sin
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake import selectors as intake_selectors
from intake import services as intake_services
from intake.models import Appointment, AppointmentType, Patient, Site
from lbp_pathway import audit
from patients.booking_models import BookingLink
from referrals import selectors as referral_selectors
from reminders import services as reminders

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SLOTS_PER_SITE = 4


class LinkRefused(Exception):
    """The link cannot do what was asked; the message is for the patient."""


class LinkState(Enum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    OPEN = "open"  # may book
    BOOKED = "booked"  # booked; may cancel or move until the cut-off
    LOCKED = "locked"  # booked, cut-off passed
    CLOSED = "closed"  # cancelled, or the visit was changed by the clinic


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def learn_url() -> str:
    """The education pages (/p/learn/) as an absolute address for messages."""
    return str(settings.PATIENT_LINK_BASE_URL).rstrip("/") + reverse("learn:index")


def link_for(token: str) -> BookingLink | None:
    if not token or len(token) > 100:
        return None
    return (
        BookingLink.objects.select_related("patient", "appointment__site")
        .filter(token_hash=hash_token(token))
        .first()
    )


def cutoff(appointment: Appointment) -> datetime:
    return appointment.start - timedelta(hours=settings.SELF_BOOKING_CUTOFF_HOURS)


def state_of(link: BookingLink | None, *, now: datetime | None = None) -> LinkState:
    now = now or timezone.now()
    if link is None:
        return LinkState.UNKNOWN
    if link.closed_at is not None:
        return LinkState.CLOSED
    if link.used_at is None:
        return LinkState.EXPIRED if now >= link.expires_at else LinkState.OPEN
    appointment = link.appointment
    if appointment is None or appointment.status != Appointment.Status.BOOKED:
        return LinkState.CLOSED
    return LinkState.LOCKED if now >= cutoff(appointment) else LinkState.BOOKED


def patient_actor(link: BookingLink, path: str = "", ip_address: str | None = None) -> audit.Actor:
    """The patient acting through their link: no user; the audit row names the link."""
    return audit.Actor(
        user=None,
        path=(path or f"booking link {link.pk}")[:300],
        ip_address=ip_address,
        claimed_username=f"patient via booking link {link.pk}",
    )


@transaction.atomic
def issue_booking_link(
    *,
    patient: Patient,
    actor: audit.Actor,
    url_for: Callable[[str], str],
    self_referral_id: int | None = None,
    now: datetime | None = None,
) -> tuple[BookingLink, str]:
    """A new link for the patient, sent through the outbox by the channel they consented to.
    `url_for(token)` gives the absolute page address. Returns the link and its token (shown once)."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    link = BookingLink.objects.create(
        token_hash=hash_token(token),
        patient=patient,
        issued_by=actor.user,
        self_referral_id=self_referral_id,
        created_at=now,
        expires_at=now + timedelta(days=settings.BOOKING_LINK_DAYS),
    )
    reminders.schedule_reminder(
        kind=reminders.Kind.BOOKING_LINK,
        key=f"booking_link:{link.pk}",
        due_at=now,
        patient=patient,
        context={
            "first_name": patient.first_name,
            "url": url_for(token),
            "expires_at": link.expires_at.isoformat(),
            "learn_url": learn_url(),
        },
        now=now,
    )
    audit.record(actor, audit.Action.CREATE, "Booking link sent", patient=patient)
    return link, token


def first_contact_type() -> AppointmentType:
    kind = AppointmentType.objects.filter(is_new_assessment=True).order_by("pk").first()
    if kind is None:
        raise LinkRefused(_("Online booking is not available yet: please call the clinic."))
    return kind


@dataclass(frozen=True)
class SiteSlots:
    site: Site
    distance_km: float | None
    slots: list[intake_selectors.FreeSlot]


def slots_nearest_first(
    patient: Patient, *, now: datetime | None = None, per_site: int = SLOTS_PER_SITE
) -> list[SiteSlots]:
    """The next first-contact slots of each site, the site nearest the patient's postal code first
    (great-circle distance between postal-code centres, referrals' table); sites whose postal code is
    not in the table come after, by name."""
    now = now or timezone.now()
    kind = first_contact_type()
    home = referral_selectors.locate(patient.postal_code) if patient.postal_code else None
    ordered: list[tuple[float | None, Site]] = []
    for site in Site.objects.order_by("name"):
        distance = None
        if home is not None and site.postal_code:
            place = referral_selectors.locate(site.postal_code)
            if place is not None:
                distance = _km(home, place)
        ordered.append((distance, site))
    ordered.sort(key=lambda pair: (pair[0] is None, pair[0] or 0.0, pair[1].name))
    found = []
    for distance, site in ordered:
        slots = intake_selectors.free_slots(
            appointment_type=kind, site_id=site.pk, now=now, limit=per_site
        )
        if slots:
            found.append(SiteSlots(site, distance, slots))
    return found


def _km(a: referral_selectors.Location, b: referral_selectors.Location) -> float:
    cosine = sin(radians(a.latitude)) * sin(radians(b.latitude)) + cos(radians(a.latitude)) * cos(
        radians(b.latitude)
    ) * cos(radians(b.longitude) - radians(a.longitude))
    return referral_selectors.EARTH_RADIUS_KM * acos(max(-1.0, min(1.0, cosine)))


@dataclass(frozen=True)
class Choice:
    practitioner_id: int
    site_id: int
    start: datetime


def _lock(link: BookingLink) -> BookingLink:
    return (
        BookingLink.objects.select_for_update(of=("self",))
        .select_related("appointment", "patient")
        .get(pk=link.pk)
    )


def confirm(link: BookingLink, appointment: Appointment, urls: Urls, now: datetime) -> None:
    reminders.schedule_booking_confirmation(
        patient=link.patient,
        appointment_id=appointment.pk,
        starts_at=appointment.start,
        ends_at=appointment.end,
        site=appointment.site.name,
        address=appointment.site.address,
        phone=appointment.site.phone,
        url=urls.page,
        calendar_url=urls.calendar,
        cutoff_hours=settings.SELF_BOOKING_CUTOFF_HOURS,
        learn_url=learn_url(),
        now=now,
    )


@dataclass(frozen=True)
class Urls:
    page: str
    calendar: str


def _chosen(choice: Choice) -> tuple[User, Site]:
    practitioner = User.objects.filter(pk=choice.practitioner_id, is_active=True).first()
    site = Site.objects.filter(pk=choice.site_id).first()
    if practitioner is None or site is None:
        raise LinkRefused(_("This time is not offered: choose one of the listed times."))
    return practitioner, site


def book_with_link(
    link: BookingLink,
    choice: Choice,
    *,
    urls: Urls,
    actor: audit.Actor,
    now: datetime | None = None,
) -> Appointment:
    """Book the link's one first-contact visit. SlotTaken (with the next free slot) when someone
    else got that time first; LinkRefused when the link is spent or expired."""
    now = now or timezone.now()
    practitioner, site = _chosen(choice)
    with transaction.atomic():
        locked = _lock(link)
        state = state_of(locked, now=now)
        if state is not LinkState.OPEN:
            raise LinkRefused(_refusal(state))
        appointment = intake_services.book_appointment(
            patient=locked.patient,
            practitioner=practitioner,
            site=site,
            start=choice.start,
            appointment_type=first_contact_type(),
            actor=actor,
            now=now,
        )
        locked.used_at = now
        locked.appointment = appointment
        locked.save(update_fields=["used_at", "appointment"])
        confirm(locked, appointment, urls, now)
        return appointment


def cancel_with_link(
    link: BookingLink, *, actor: audit.Actor, now: datetime | None = None
) -> Appointment:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(link)
        state = state_of(locked, now=now)
        if state is not LinkState.BOOKED:
            raise LinkRefused(_refusal(state))
        assert locked.appointment is not None
        appointment = intake_services.cancel_appointment(
            locked.appointment, actor=actor, reason="Cancelled by the patient online"
        )
        reminders.cancel_reminders(f"booking_confirmed:{appointment.pk}:", "appointment cancelled")
        locked.closed_at = now
        locked.save(update_fields=["closed_at"])
        return appointment


def reschedule_with_link(
    link: BookingLink,
    choice: Choice,
    *,
    urls: Urls,
    actor: audit.Actor,
    now: datetime | None = None,
) -> Appointment:
    now = now or timezone.now()
    practitioner, site = _chosen(choice)
    with transaction.atomic():
        locked = _lock(link)
        state = state_of(locked, now=now)
        if state is not LinkState.BOOKED:
            raise LinkRefused(_refusal(state))
        assert locked.appointment is not None
        old = locked.appointment
        new = intake_services.reschedule_appointment(
            old, practitioner=practitioner, site=site, start=choice.start, actor=actor, now=now
        )
        reminders.cancel_reminders(f"booking_confirmed:{old.pk}:", "appointment moved")
        locked.appointment = new
        locked.save(update_fields=["appointment"])
        confirm(locked, new, urls, now)
        return new


REFUSALS = {
    LinkState.UNKNOWN: _("This link is not valid. Please check it, or call the clinic."),
    LinkState.EXPIRED: _("This link has expired. Please call the clinic for a new one."),
    LinkState.OPEN: _("You have not booked a visit with this link yet."),
    LinkState.BOOKED: _("This link has already been used to book a visit."),
    LinkState.LOCKED: _("Your visit is too close to change online. Please call the clinic."),
    LinkState.CLOSED: _("This link has already been used. Please call the clinic."),
}


REFUSALS_BAD_CHOICE = _("This time is not offered: choose one of the listed times.")
TAKEN_MESSAGE = _("Sorry, someone else has just booked this time. Please choose another one.")
NOT_ONLINE_MESSAGE = _("This visit cannot be booked online. Please call the clinic.")
CALENDAR_SUMMARY = _("Physiotherapy visit:")


def _refusal(state: LinkState) -> StrOrPromise:
    return REFUSALS[state]
