"""Writes of the intake app: one function per use case, each inside one transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from care_episodes import lifecycle
from care_episodes.models import Episode
from intake import appointment_rules, offers, selectors
from intake.identifiers import check_birth_date
from intake.models import (
    Appointment,
    AppointmentType,
    IncomingReferral,
    Patient,
    ReferralAttachment,
    Referrer,
    Site,
    WaitlistEntry,
)

# The plain data of a referral received from outside, re-exported for the callers of
# receive_external_referral.
from intake.referral_data import AttachmentIn as AttachmentIn
from intake.referral_data import (
    Checked,
    CleanPatient,
    Problem,
    check_referral,
    same_person,
)
from intake.referral_data import Coding as Coding
from intake.referral_data import PatientIn as PatientIn
from intake.referral_data import ReferralIn as ReferralIn
from intake.referral_data import ReferrerIn as ReferrerIn
from intake.wording import day_and_time
from lbp_pathway import audit
from lbp_pathway.access import Role, has_role
from lbp_pathway.uploads import KINDS, SNIFF_BYTES, UploadValidator, private_storage, sniff
from reminders import services as reminders

EXCLUSION_VIOLATION = "23P01"


class BookingRefused(Exception):
    """The booking cannot be made; the message is for the user."""


class SlotTaken(BookingRefused):
    """Someone else booked this time first. `next_slot` is the next free one, if any."""

    def __init__(self, message: str, next_slot: selectors.FreeSlot | None) -> None:
        super().__init__(message)
        self.next_slot = next_slot


class SecondNewAssessment(BookingRefused):
    """The patient already has an open (future, booked) new-assessment visit: a second one needs a
    reason the front desk gives on purpose. `existing` is that booking."""

    def __init__(self, existing: Appointment) -> None:
        local = existing.start.astimezone(selectors.local_tz())
        super().__init__(
            gettext(
                "%(name)s already has a new assessment booked on %(when)s at %(site)s. Nothing "
                "was booked: open that booking, or give the reason for a second one."
            )
            % {
                "name": existing.patient.full_name,
                "when": day_and_time(local),
                "site": existing.site.name,
            }
        )
        self.existing = existing


class DuplicateHealthCard(Exception):
    def __init__(self, existing: Patient) -> None:
        super().__init__(gettext("A patient with this health card number is already registered."))
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
    "other_language",
    "interpreter_needed",
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
    return gettext("%(type)s with %(who)s at %(site)s on %(when)s") % {
        "type": gettext(appointment.appointment_type.name),
        "who": who,
        "site": appointment.site.name,
        "when": f"{local:%Y-%m-%d %H:%M}",
    }


BOOKING_LOCK = 1801  # advisory-lock namespace for bookings (any constant unique to this purpose)


def lock_practitioner_bookings(practitioner_id: int) -> None:
    """Queue behind every other booking for this practitioner until the transaction ends (taken
    again by book_appointment, which is harmless: the lock is the session's). A use case that locks
    rows of its own before booking takes it first, so two of them never wait on each other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BOOKING_LOCK, practitioner_id])


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
    second_reason: str = "",
) -> Appointment:
    """Book one appointment and open (or continue) the patient's care episode.

    A new assessment for a patient who already has one booked ahead is refused (SecondNewAssessment)
    unless `second_reason` says why the front desk wants a second one; a reschedule moves the first.

    Raises BookingRefused when the patient or the episode is on hold (an open red-flag alert until a
    physician clears it) or the time is outside the practitioner's availability, and SlotTaken when another booking
    holds that time (the database's exclusion constraint decides, so two desks can never both win).
    """
    by = actor.user
    now = now or timezone.now()
    end = start + timedelta(minutes=appointment_type.duration_minutes)
    if start < now:
        raise BookingRefused(gettext("This time has already passed: choose a later slot."))
    if not selectors.within_availability(
        practitioner_id=practitioner.pk, site_id=site.pk, start=start, end=end
    ):
        raise BookingRefused(
            gettext(
                "The physiotherapist does not work at this site at that time: choose a listed slot."
            )
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
            # Under the patient's row lock, so a double submit or two desks cannot both pass.
            if (
                appointment_type.is_new_assessment
                and rescheduled_from is None
                and not second_reason.strip()
            ):
                existing = selectors.open_new_assessment(patient, now=now)
                if existing is not None:
                    raise SecondNewAssessment(existing)
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
            offers.close_taken(appointment, now=now)
            lifecycle.mark_booked(
                episode,
                physiotherapist=practitioner,
                site=site,
                on=_local_date(now),
                by=by,
                description=lambda: (
                    gettext("Booked: %(visit)s") % {"visit": _describe(appointment)}
                ),
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
            if appointment_type.is_new_assessment and second_reason.strip():
                what = f"Second new assessment booked (reason: {second_reason.strip()[:120]})"
            if rescheduled_from is not None:
                what = f"Appointment rescheduled (from appointment {rescheduled_from.pk})"
            audit.record(actor, audit.Action.CHANGE, what, patient=patient)
            return appointment
    except _SlotClash:
        following = selectors.free_slots(
            appointment_type=appointment_type, practitioner_id=practitioner.pk, now=now, limit=1
        ) or selectors.free_slots(appointment_type=appointment_type, now=now, limit=1)
        raise SlotTaken(
            gettext("Sorry, this slot has just been booked by someone else."),
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
            raise appointment_rules.IllegalAppointmentChange(
                gettext_noop("Give a reason for the cancellation.")
            )
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
                description=lambda: (
                    gettext("Appointment cancelled (%(reason)s); waiting to be booked again")
                    % {"reason": appointment.cancel_reason}
                ),
            )
        if to_status == Appointment.Status.CANCELLED:
            # The freed time goes to the waitlist by SMS/email links (sent after commit).
            offers.offer_freed_slot(appointment)
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
        offers.offer_freed_slot(locked, now=now)
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


def _referrer_kind(user: User) -> str:
    if has_role(user, Role.NURSE_PRACTITIONER) and not has_role(user, Role.FAMILY_PHYSICIAN):
        return Referrer.Kind.NURSE_PRACTITIONER
    return Referrer.Kind.FAMILY_PHYSICIAN


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
            referrer=referrer_for_staff(physician, kind=_referrer_kind(physician)),
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


# Referrals received from outside (a partner's eReferral system, through the FHIR API). ------------


class ReferralRejected(Exception):
    """The referral cannot be accepted; nothing was stored. `problems` lists every (path, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class ReferralReceived:
    referral: IncomingReferral
    # False: the sender's identifier was known, and this is the referral received before.
    created: bool
    patient_created: bool = False


def _existing_referral(sender_system: str, sender_value: str) -> IncomingReferral | None:
    return (
        IncomingReferral.objects.select_related("patient", "referrer", "episode")
        .filter(sender_system=sender_system.strip(), sender_value=sender_value.strip())
        .first()
    )


def _match_patient(clean: CleanPatient, checked: Checked) -> Patient | None:
    """The patient on file with this health card, if the name and birth date agree; a different
    person on the same card is a problem for the sender, never a merge."""
    if clean.health_card_number is None:
        return None
    holder = Patient.objects.filter(health_card_number=clean.health_card_number).first()
    if holder is None:
        return None
    if not same_person(
        clean.first_name,
        clean.last_name,
        clean.date_of_birth,
        (holder.first_name, holder.last_name, holder.date_of_birth),
    ):
        checked.add(
            "patient.health_card_number",
            "This health card number is registered to a patient with a different name or date "
            "of birth: check the card and the patient's details (records are never merged "
            "automatically).",
        )
    return holder


def _check_attachments(
    attachments: tuple[AttachmentIn, ...], checked: Checked
) -> list[File[bytes]]:
    files: list[File[bytes]] = []
    for n, attachment in enumerate(attachments):
        upload: File[bytes] = ContentFile(attachment.content, name=attachment.filename or "file")
        try:
            UploadValidator()(upload)
        except ValidationError as error:
            checked.add(f"attachments[{n}]", " ".join(error.messages))
        files.append(upload)
    return files


def _referrer_for(referrer_in: ReferrerIn, partner_key: str) -> Referrer:
    """The Referrer with the sent identifier (or, without one, the same name from the same partner),
    made on first sight. Details on file are completed, never overwritten by a sender."""
    system, value = referrer_in.identifier_system.strip(), referrer_in.identifier_value.strip()
    name, organisation = referrer_in.name.strip()[:200], referrer_in.organisation.strip()[:200]
    if value:
        found = Referrer.objects.filter(identifier_system=system, identifier_value=value)
    else:
        found = Referrer.objects.filter(
            identifier_value="", partner_key=partner_key, name=name, organisation=organisation
        )
    referrer = found.select_for_update().first()
    if referrer is None:
        return Referrer.objects.create(
            name=name,
            kind=referrer_in.kind,
            organisation=organisation,
            identifier_system=system[:200],
            identifier_value=value[:100],
            email=referrer_in.email.strip()[:254],
            partner_key=partner_key[:100],
        )
    blanks = {
        "email": referrer_in.email.strip()[:254],
        "organisation": organisation,
        "partner_key": partner_key[:100],
    }
    changed = [f for f, v in blanks.items() if v and not getattr(referrer, f)]
    for name_ in changed:
        setattr(referrer, name_, blanks[name_])
    if changed:
        referrer.save(update_fields=changed)
    return referrer


def _store_referral(
    referral_in: ReferralIn,
    checked: Checked,
    files: list[File[bytes]],
    actor: audit.Actor,
    saved: list[str],
) -> ReferralReceived:
    clean = checked.patient
    assert clean is not None and referral_in.referrer is not None  # check_referral saw to it
    patient = _match_patient(clean, checked)
    if checked.problems:
        raise ReferralRejected(checked.problems)
    patient_created = patient is None
    duplicates = False
    if patient is None:
        duplicates = clean.health_card_number is None and bool(
            selectors.likely_duplicates(
                first_name=clean.first_name,
                last_name=clean.last_name,
                date_of_birth=clean.date_of_birth,
            )
        )
        patient = Patient.objects.create(**asdict(clean))
        audit.record(
            actor,
            audit.Action.CREATE,
            "Patient registration (from a referral received electronically)",
            patient=patient,
        )
    received_on = timezone.localdate()
    referrer = _referrer_for(referral_in.referrer, referral_in.partner_key)
    episode = lifecycle.open_episode(
        patient=patient, source=Episode.Source.PHYSICIAN_REFERRAL, requested_on=received_on
    )
    referral = IncomingReferral.objects.create(
        patient=patient,
        referrer=referrer,
        referring_physician=referrer.user,
        episode=episode,
        reason=checked.reason,
        reason_codes=[coding.token for coding in referral_in.reason_codes],
        urgency=referral_in.urgency,
        received_on=received_on,
        received_via=IncomingReferral.ReceivedVia.FHIR,
        sender_system=referral_in.sender_system.strip(),
        sender_value=referral_in.sender_value.strip(),
        check_duplicates=duplicates,
    )
    for attachment, upload in zip(referral_in.attachments, files, strict=True):
        kind = sniff(upload.read(SNIFF_BYTES)) or "txt"
        upload.seek(0)
        stored = ReferralAttachment.objects.create(
            referral=referral,
            title=(attachment.title or attachment.filename)[:200],
            file=upload,
            content_type=KINDS[kind][1],
            size=len(attachment.content),
        )
        saved.append(str(stored.file.name))
    audit.record(
        actor,
        audit.Action.CREATE,
        f"Referral to physiotherapy received electronically from {referrer.name}"[:200],
        patient=patient,
    )
    return ReferralReceived(referral, created=True, patient_created=patient_created)


def receive_external_referral(
    referral_in: ReferralIn, *, actor: audit.Actor, today: date | None = None
) -> ReferralReceived:
    """A referral sent by another system: match or register the patient (health card first, never a
    silent merge), make or reuse the referring clinician, and put the referral on the front desk's
    worklist with a new episode, all in one transaction.

    The same sender identifier again returns the referral already received (`created=False`). Bad
    input raises ReferralRejected naming every problem, and nothing is stored (audit row included).
    """
    system, value = referral_in.sender_system.strip(), referral_in.sender_value.strip()
    existing = _existing_referral(system, value) if system and value else None
    for attempt in range(2):
        if existing is not None:
            break
        checked = check_referral(referral_in, today=today or timezone.localdate())
        files = _check_attachments(referral_in.attachments, checked)
        if checked.problems:
            raise ReferralRejected(checked.problems)
        saved: list[str] = []
        try:
            with transaction.atomic():
                return _store_referral(referral_in, checked, files, actor, saved)
        except BaseException as error:
            for name in saved:  # the files of a referral that was not stored
                private_storage.delete(name)
            if not isinstance(error, IntegrityError) or attempt:
                raise
        # A concurrent request stored the same referral (or registered the same new patient)
        # a moment ago: return that referral, or try once more (the patient is now on file).
        existing = _existing_referral(system, value)
    assert existing is not None
    audit.record(
        actor,
        audit.Action.VIEW,
        "Referral received electronically: sent again, the one on file returned",
        patient=existing.patient,
    )
    return ReferralReceived(existing, created=False)
