"""Writes of the intake app: one function per use case, each inside one transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from care_episodes import lifecycle
from care_episodes.models import Episode
from intake import appointment_rules, selectors
from intake.identifiers import check_birth_date
from intake.models import (
    Appointment,
    AppointmentType,
    IncomingReferral,
    Patient,
    Referrer,
    Site,
    WaitlistEntry,
)
from lbp_pathway import audit
from reminders import services as reminders

EXCLUSION_VIOLATION = "23P01"


class BookingRefused(Exception):
    """The booking cannot be made; the message is for the user."""


class SlotTaken(BookingRefused):
    """Someone else booked this time first. `next_slot` is the next free one, if any."""

    def __init__(self, message: str, next_slot: selectors.FreeSlot | None) -> None:
        super().__init__(message)
        self.next_slot = next_slot


class DuplicateHealthCard(Exception):
    def __init__(self, existing: Patient) -> None:
        super().__init__("A patient with this health card number is already registered.")
        self.existing = existing


PATIENT_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "gender",
    "health_card_number",
    "health_card_version",
    "phone",
    "email",
    "postal_code",
    "preferred_language",
    "consent_email_reminders",
    "consent_sms_reminders",
    "family_physician",
]


def _refuse_duplicate_card(card: str | None, exclude_id: int | None = None) -> None:
    if not card:
        return
    holders = Patient.objects.filter(health_card_number=card)
    if exclude_id is not None:
        holders = holders.exclude(pk=exclude_id)
    existing = holders.first()
    if existing is not None:
        raise DuplicateHealthCard(existing)


def _check_birth_date(fields: dict[str, Any]) -> None:
    born = fields.get("date_of_birth")
    if isinstance(born, date):
        check_birth_date(born, today=timezone.localdate())


def register_patient(*, actor: audit.Actor, **fields: Any) -> Patient:
    """Register a patient; a health card number already on file is refused (also by the database),
    a birth date before 1900 or after today too (InvalidIdentifier)."""
    _check_birth_date(fields)
    fields["health_card_number"] = fields.get("health_card_number") or None
    _refuse_duplicate_card(fields["health_card_number"])
    try:
        with transaction.atomic():
            patient = Patient.objects.create(
                **{k: v for k, v in fields.items() if k in PATIENT_FIELDS}
            )
            audit.record(actor, audit.Action.CREATE, "Patient registration", patient=patient)
            return patient
    except IntegrityError:
        # Someone registered the same card a moment ago.
        _refuse_duplicate_card(fields["health_card_number"])
        raise


def update_patient(patient: Patient, *, actor: audit.Actor, **fields: Any) -> Patient:
    _check_birth_date(fields)
    fields["health_card_number"] = fields.get("health_card_number") or None
    _refuse_duplicate_card(fields["health_card_number"], exclude_id=patient.pk)
    with transaction.atomic():
        for name, value in fields.items():
            if name in PATIENT_FIELDS:
                setattr(patient, name, value)
        patient.save()
        audit.record(actor, audit.Action.CHANGE, "Patient demographics", patient=patient)
    return patient


def _local_date(moment: datetime) -> date:
    return moment.astimezone(selectors.local_tz()).date()


def _episode_for_booking(patient: Patient, episode: Episode | None, today: date) -> Episode:
    if episode is None:
        episode = selectors.continuing_episode(patient)
    if episode is None:
        return lifecycle.open_episode(
            patient=patient, source=Episode.Source.DIRECT, requested_on=today
        )
    # Lock the episode so two bookings for it are made one after the other.
    return Episode.objects.select_for_update().get(pk=episode.pk)


def _describe(appointment: Appointment) -> str:
    local = appointment.start.astimezone(selectors.local_tz())
    who = appointment.practitioner.get_full_name() or appointment.practitioner.username
    return f"{appointment.appointment_type.name} with {who} at {appointment.site.name} on {local:%Y-%m-%d %H:%M}"


BOOKING_LOCK = 1801  # advisory-lock namespace for bookings (any constant unique to this purpose)


def book_appointment(
    *,
    patient: Patient,
    practitioner: User,
    site: Site,
    start: datetime,
    appointment_type: AppointmentType,
    actor: audit.Actor,
    episode: Episode | None = None,
    now: datetime | None = None,
    rescheduled_from: Appointment | None = None,
) -> Appointment:
    """Book one appointment and open (or continue) the patient's care episode.

    Raises BookingRefused when the patient or the episode is on hold (an open red-flag alert until a
    physician clears it) or the time is outside the practitioner's availability, and SlotTaken when another booking
    holds that time (the database's exclusion constraint decides, so two desks can never both win).
    """
    by = actor.user
    now = now or timezone.now()
    end = start + timedelta(minutes=appointment_type.duration_minutes)
    if start < now:
        raise BookingRefused("This time has already passed: choose a later slot.")
    if not selectors.within_availability(
        practitioner_id=practitioner.pk, site_id=site.pk, start=start, end=end
    ):
        raise BookingRefused(
            "The physiotherapist does not work at this site at that time: choose a listed slot."
        )
    try:
        with transaction.atomic():
            # Bookings for one practitioner queue behind each other: the exclusion constraint then
            # refuses the second cleanly instead of two desks deadlocking on each other's rows.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [BOOKING_LOCK, practitioner.pk]
                )
            # The patient's own hold first (an emergency on the phone screen holds every booking,
            # with or without an episode); the row lock makes a hold set meanwhile count.
            hold = Patient.objects.select_for_update().values_list("booking_hold", flat=True)
            patient_hold = hold.get(pk=patient.pk)
            if patient_hold:
                raise BookingRefused(patient_hold)
            episode = _episode_for_booking(patient, episode, _local_date(now))
            if episode.booking_hold:
                raise BookingRefused(episode.booking_hold)
            try:
                with transaction.atomic():
                    appointment = Appointment.objects.create(
                        patient=patient,
                        episode=episode,
                        practitioner=practitioner,
                        site=site,
                        appointment_type=appointment_type,
                        start=start,
                        end=end,
                        booked_by=by,
                        rescheduled_from=rescheduled_from,
                    )
            except IntegrityError as error:
                if getattr(error.__cause__, "pgcode", None) == EXCLUSION_VIOLATION:
                    raise _SlotClash from error
                raise
            lifecycle.mark_booked(
                episode,
                physiotherapist=practitioner,
                site=site,
                on=_local_date(now),
                by=by,
                description="Booked: " + _describe(appointment),
            )
            IncomingReferral.objects.filter(
                episode=episode, status=IncomingReferral.Status.OPEN
            ).update(status=IncomingReferral.Status.BOOKED)
            reminders.schedule_appointment_reminders(
                patient=patient,
                appointment_id=appointment.pk,
                starts_at=start,
                site=site.name,
                phone=site.phone,
            )
            reminders.cancel_follow_up_reminders(episode.pk)
            what = "Appointment booked"
            if rescheduled_from is not None:
                what = f"Appointment rescheduled (from appointment {rescheduled_from.pk})"
            audit.record(actor, audit.Action.CHANGE, what, patient=patient)
            return appointment
    except _SlotClash:
        following = selectors.free_slots(
            appointment_type=appointment_type, practitioner_id=practitioner.pk, now=now, limit=1
        ) or selectors.free_slots(appointment_type=appointment_type, now=now, limit=1)
        raise SlotTaken(
            "Sorry, this slot has just been booked by someone else.",
            following[0] if following else None,
        ) from None


class _SlotClash(Exception):
    pass


def change_appointment_status(
    appointment: Appointment, to_status: str, *, actor: audit.Actor, reason: str = ""
) -> Appointment:
    """Mark an appointment arrived, no-show, completed or cancelled, following the state rules.

    Arriving for (or completing) the first new-assessment visit stops the episode's wait clock.
    Cancelling the only live booking of a booked episode puts it back to requested.
    """
    by = actor.user
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        appointment_rules.check_change(locked.status, to_status)
        if to_status == Appointment.Status.CANCELLED and not reason.strip():
            raise appointment_rules.IllegalAppointmentChange("Give a reason for the cancellation.")
        appointment.status = to_status
        appointment.status_changed_at = timezone.now()
        appointment.cancel_reason = (
            reason.strip()[:200]
            if to_status == Appointment.Status.CANCELLED
            else appointment.cancel_reason
        )
        appointment.save(update_fields=["status", "status_changed_at", "cancel_reason"])
        if to_status != Appointment.Status.BOOKED:  # cancelled, arrived, no-show: nothing to remind
            reminders.cancel_appointment_reminders(appointment.pk)
        episode = Episode.objects.select_for_update().get(pk=appointment.episode_id)
        if (
            to_status in (Appointment.Status.ARRIVED, Appointment.Status.COMPLETED)
            and appointment.appointment_type.is_new_assessment
        ):
            lifecycle.record_first_assessment(episode, on=_local_date(appointment.start))
        if (
            to_status == Appointment.Status.CANCELLED
            and episode.status == Episode.Status.BOOKED
            and not episode.appointments.filter(status=Appointment.Status.BOOKED).exists()
        ):
            lifecycle.transition(
                episode,
                Episode.Status.REQUESTED,
                by=by,
                description=f"Appointment cancelled ({appointment.cancel_reason}); waiting to be booked again",
            )
        what = (
            "Appointment cancelled"
            if to_status == Appointment.Status.CANCELLED
            else f"Appointment marked {to_status}"
        )
        audit.record(actor, audit.Action.CHANGE, what, patient_id=appointment.patient_id)
    return appointment


def cancel_appointment(appointment: Appointment, *, actor: audit.Actor, reason: str) -> Appointment:
    return change_appointment_status(
        appointment, Appointment.Status.CANCELLED, actor=actor, reason=reason
    )


def reschedule_appointment(
    appointment: Appointment,
    *,
    practitioner: User,
    site: Site,
    start: datetime,
    actor: audit.Actor,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked appointment: the old one is cancelled and the new one booked, or neither.

    One audit row, written by book_appointment ("Appointment rescheduled")."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        appointment_rules.check_change(locked.status, Appointment.Status.CANCELLED)
        locked.status = Appointment.Status.CANCELLED
        locked.cancel_reason = "Rescheduled"
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "cancel_reason", "status_changed_at"])
        reminders.cancel_appointment_reminders(locked.pk)  # the new booking schedules its own
        new = book_appointment(
            patient=locked.patient,
            practitioner=practitioner,
            site=site,
            start=start,
            appointment_type=locked.appointment_type,
            actor=actor,
            episode=locked.episode,
            now=now,
            rescheduled_from=locked,
        )
        WaitlistEntry.objects.filter(
            appointment=locked, status=WaitlistEntry.Status.WAITING
        ).update(appointment=new)
        return new


def referrer_for_staff(user: User, *, kind: str) -> Referrer:
    """The Referrer row of a clinician of the team (made on their first referral)."""
    referrer, _ = Referrer.objects.get_or_create(
        user=user,
        defaults={
            "name": user.get_full_name() or user.get_username(),
            "kind": kind,
            "email": user.email,
        },
    )
    return referrer


def refer_patient(
    *,
    patient: Patient,
    physician: User,
    reason: str,
    urgency: str,
    actor: audit.Actor,
    received_on: date | None = None,
) -> IncomingReferral:
    """A family physician refers a patient to the physiotherapist: a new episode starts its clock."""
    received_on = received_on or timezone.localdate()
    with transaction.atomic():
        episode = lifecycle.open_episode(
            patient=patient,
            source=Episode.Source.PHYSICIAN_REFERRAL,
            requested_on=received_on,
        )
        referral = IncomingReferral.objects.create(
            patient=patient,
            referring_physician=physician,
            referrer=referrer_for_staff(physician, kind=Referrer.Kind.FAMILY_PHYSICIAN),
            episode=episode,
            reason=reason,
            urgency=urgency,
            received_on=received_on,
        )
        audit.record(actor, audit.Action.CREATE, "Referral to physiotherapy", patient=patient)
        return referral


def add_to_waitlist(
    *,
    patient: Patient,
    practitioner: User | None = None,
    site: Site | None = None,
    note: str = "",
    actor: audit.Actor,
) -> WaitlistEntry:
    """Put a patient on the waitlist for an earlier slot (once: a second request updates the first)."""
    with transaction.atomic():
        booked = (
            Appointment.objects.filter(
                patient=patient, status=Appointment.Status.BOOKED, start__gt=timezone.now()
            )
            .order_by("start")
            .first()
        )
        entry, _ = WaitlistEntry.objects.update_or_create(
            patient=patient,
            status=WaitlistEntry.Status.WAITING,
            defaults={
                "practitioner": practitioner,
                "site": site,
                "note": note,
                "appointment": booked,
            },
        )
        audit.record(actor, audit.Action.CHANGE, "Added to waitlist", patient=patient)
        return entry


def close_waitlist_entry(entry: WaitlistEntry, *, actor: audit.Actor) -> WaitlistEntry:
    with transaction.atomic():
        entry.status = WaitlistEntry.Status.DONE
        entry.save(update_fields=["status"])
        audit.record(
            actor, audit.Action.CHANGE, "Removed from waitlist", patient_id=entry.patient_id
        )
    return entry
