import datetime
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    DateTimeRangeField,
    RangeBoundary,
    RangeOperators,
)
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from care_episodes.models import VisitMode
from lbp_pathway import history
from lbp_pathway.languages import INTERPRETER_NEEDED, Language, message_language, parse_language
from lbp_pathway.uploads import UploadValidator, private_storage, private_upload_to


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Site(models.Model):
    """A clinic site of the family health team."""

    name = models.CharField(max_length=120, unique=True)
    address = models.CharField(max_length=250, blank=True)
    postal_code = models.CharField(max_length=7, blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@history.track(model_name="PatientChange", exclude=["created_at"])
class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        INTERSEX = "X", _("Intersex / another")
        UNKNOWN = "U", _("Not recorded")

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    gender = models.CharField(max_length=60, blank=True)
    # Ontario health card: 10 digits; unique when present (duplicates refused by the database).
    health_card_number = models.CharField(max_length=10, unique=True, null=True, blank=True)
    health_card_version = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    postal_code = models.CharField(max_length=7, blank=True)
    # English, French or another language (named in other_language); everything the app writes to
    # the patient follows language_code (French for French, English otherwise).
    # Database defaults too: raw bulk inserts (bench/, tests) name none of these columns.
    preferred_language = models.CharField(
        max_length=30, choices=Language.choices, default=Language.ENGLISH, db_default="en"
    )
    other_language = models.CharField(max_length=60, blank=True, default="", db_default="")
    interpreter_needed = models.BooleanField(default=False, db_default=False)
    consent_email_reminders = models.BooleanField(default=False)
    consent_sms_reminders = models.BooleanField(default=False)
    family_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_patients",
    )
    # Why every booking for this patient is refused (an emergency or urgent red-flag alert still open,
    # whether or not an episode exists); empty when booking is allowed. Set by triage, checked by every
    # booking service (docs/clinical-rules.md section 2).
    booking_hold = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["date_of_birth"]),
        ]
        constraints = [
            # The latest birth date (today) moves, so only the earliest is a constraint; forms and
            # services check both (intake/identifiers.py, check_birth_date).
            models.CheckConstraint(
                condition=models.Q(date_of_birth__gte=datetime.date(1900, 1, 1)),
                name="intake_patient_born_from_1900",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A language given as free text (a referral, an import: "French", "Punjabi") becomes a choice.
        if self.preferred_language not in Language.values:
            self.preferred_language, other = parse_language(self.preferred_language)
            self.other_language = self.other_language or other
        if self.preferred_language != Language.OTHER:
            self.other_language = ""
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def language_code(self) -> str:
        """The language (en or fr) of every message, letter and page written to this patient."""
        return message_language(self.preferred_language)

    @property
    def language_display(self) -> str:
        """The patient's language as staff read it: English, French or the other language's name."""
        if self.preferred_language == Language.OTHER and self.other_language:
            return self.other_language
        return str(self.get_preferred_language_display())

    @property
    def interpreter_label(self) -> str:
        """ "Interpreter needed" in the reader's language, or nothing."""
        return str(INTERPRETER_NEEDED) if self.interpreter_needed else ""


class AppointmentType(models.Model):
    """What a visit is for and how long it takes (new LBP assessment 60 min, follow-up 30 min)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    duration_minutes = models.PositiveSmallIntegerField()
    # The first visit of an episode: arriving for it stops the wait clock (Episode.first_assessed_on).
    is_new_assessment = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_new_assessment", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=240),
                name="appointment_type_duration_5_to_240",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class WeeklyAvailability(models.Model):
    """A practitioner works at a site every given weekday between two times (local time)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_availability"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="weekly_availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        verbose_name_plural = "weekly availability"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="availability_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="availability_weekday_0_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} at {self.site}, {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class AvailabilityException(models.Model):
    """Days a practitioner does not work despite the weekly template: holidays, sick days."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="exception_ends_on_or_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} off {self.first_day}..{self.last_day}"


@history.track(
    model_name="AppointmentChange",
    fields=["practitioner", "site", "appointment_type", "start", "end", "status", "cancel_reason"],
)
class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", pgettext_lazy("appointment status", "Booked")
        ARRIVED = "arrived", _("Arrived")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")
        COMPLETED = "completed", _("Completed")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    episode = models.ForeignKey(
        "care_episodes.Episode", on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="appointments")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescheduled_to"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Telehealth: a video visit has its https link (given in the reminder); a phone visit none.
    # Database defaults too: bulk loaders (demo volume, bench) insert appointments with raw SQL.
    mode = models.CharField(
        "Visit mode",
        max_length=10,
        choices=VisitMode.choices,
        default=VisitMode.IN_PERSON,
        db_default=VisitMode.IN_PERSON,
    )
    video_link = models.URLField("Video link", max_length=500, blank=True, db_default="")

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practitioner", "start"]),
            models.Index(fields=["site", "start"]),
            models.Index(fields=["start"]),
            models.Index(fields=["patient", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="appointment_ends_after_it_starts",
            ),
            # A video visit always has an https link; other modes have none.
            models.CheckConstraint(
                condition=(
                    models.Q(mode="video", video_link__startswith="https://")
                    | (~models.Q(mode="video") & models.Q(video_link=""))
                ),
                name="appointment_video_link_for_video_only",
            ),
            # No double booking, enforced by PostgreSQL whatever the application does: two live
            # appointments of one practitioner never overlap (btree_gist compares the practitioner).
            ExclusionConstraint(
                name="appointment_no_double_booking",
                expressions=[
                    ("practitioner", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=~models.Q(status="cancelled"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} with {self.practitioner} at {self.start:%Y-%m-%d %H:%M}"


class Referrer(models.Model):
    """A clinician who refers patients to the physiotherapist: a family physician or nurse
    practitioner of the team (linked to their staff account) or an outside clinician known only by a
    licence number or a partner system's identifier. The consultation note goes back to them."""

    class Kind(models.TextChoices):
        FAMILY_PHYSICIAN = "family_physician", _("Family physician")
        NURSE_PRACTITIONER = "nurse_practitioner", _("Nurse practitioner")
        OUTSIDE_CLINICIAN = "outside_clinician", _("Outside clinician")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # A clinician of the team reads notes in the app; an outside one has no account.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrer",
    )
    organisation = models.CharField(max_length=200, blank=True)
    # Who the clinician is for the sender: a licence (CPSO, CNO) or the partner's Practitioner id.
    identifier_system = models.CharField(max_length=200, blank=True)
    identifier_value = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    # The partner system (its API client) that sent this clinician's referrals; empty for none.
    partner_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier_system", "identifier_value"],
                condition=~models.Q(identifier_value=""),
                name="one_referrer_per_identifier",
            ),
            models.CheckConstraint(
                condition=models.Q(identifier_value="") | ~models.Q(identifier_system=""),
                name="referrer_identifier_has_system",
            ),
        ]
        indexes = [models.Index(fields=["partner_key"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class IncomingReferral(models.Model):
    """A clinician (a family physician of the team, a nurse practitioner, an outside clinician) asks
    the physiotherapist to see a patient: on paper, in the app, or electronically (FHIR)."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        ROUTINE = "routine", pgettext_lazy("urgency", "Routine")

    class Status(models.TextChoices):
        OPEN = "open", _("To book")
        BOOKED = "booked", pgettext_lazy("waitlist status", "Booked")
        CLOSED = "closed", _("Closed")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="incoming_referrals"
    )

    class ReceivedVia(models.TextChoices):
        APP = "app", _("In the app")
        PAPER = "paper", _("On paper or by fax")
        FHIR = "fhir", _("Received electronically")

    # The staff account of a referring physician of the team; empty for outside referrers.
    referring_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_sent_to_physio",
    )
    # Who referred (every referral made by this app has one; rows written in bulk by older code
    # may name only the referring physician's account: `sender` covers both).
    referrer = models.ForeignKey(
        Referrer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_referrals",
    )
    episode = models.OneToOneField(
        "care_episodes.Episode", on_delete=models.PROTECT, related_name="incoming_referral"
    )
    reason = models.TextField(max_length=1000)
    urgency = models.CharField(max_length=7, choices=Urgency.choices, default=Urgency.ROUTINE)
    received_on = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    received_via = models.CharField(
        max_length=5,
        choices=ReceivedVia.choices,
        default=ReceivedVia.APP,
        db_default=ReceivedVia.APP,
    )
    # The sender's own identifier of the referral (ServiceRequest.identifier): the same identifier
    # sent again is the same referral.
    sender_system = models.CharField(max_length=200, blank=True, db_default="")
    sender_value = models.CharField(max_length=100, blank=True, db_default="")
    # Coded reasons as sent ("system|code"), beside the words in `reason`.
    reason_codes = models.JSONField(default=list, blank=True, db_default=[])
    # The patient was registered from this referral without a health card: the front desk checks
    # they are not already on file under another record before booking.
    check_duplicates = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        indexes = [models.Index(fields=["status", "urgency", "received_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["sender_system", "sender_value"],
                condition=~models.Q(sender_value=""),
                name="one_referral_per_sender_identifier",
            ),
            models.CheckConstraint(
                condition=models.Q(sender_value="") | ~models.Q(sender_system=""),
                name="referral_sender_identifier_has_system",
            ),
            models.CheckConstraint(
                condition=models.Q(referrer__isnull=False)
                | models.Q(referring_physician__isnull=False),
                name="referral_has_a_referrer",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.patient} ({self.get_urgency_display()})"

    @property
    def sender_name(self) -> str:
        """Who referred, as the worklist shows it."""
        if self.referrer is not None:
            return self.referrer.name
        physician = self.referring_physician
        return (physician.get_full_name() or physician.username) if physician else ""

    @property
    def received_electronically(self) -> bool:
        return self.received_via == self.ReceivedVia.FHIR


class ReferralAttachment(models.Model):
    """A document sent with a referral (a letter, an imaging report), checked like every upload and
    stored privately."""

    referral = models.ForeignKey(
        IncomingReferral, on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(max_length=200, blank=True)
    file = models.FileField(
        upload_to=private_upload_to,
        storage=private_storage,
        validators=[UploadValidator()],
        max_length=200,
    )
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title or f"Attachment {self.pk}"


class WaitlistEntry(models.Model):
    """A patient who would take an earlier slot if one frees up."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")
        DONE = "done", _("Done")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist_entries")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Leave empty for any physiotherapist.",
    )
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Leave empty for any site.",
    )
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.WAITING)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["status", "added_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status="waiting"),
                name="one_waiting_entry_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} waiting since {self.added_at:%Y-%m-%d}"


class GroupSession(models.Model):
    """A class run for several patients at once (back education or exercise), at a site, with a
    leader and a capacity; patients are booked into it (GroupBooking) and attendance is taken."""

    class Kind(models.TextChoices):
        EDUCATION = "education", _("Education class")
        EXERCISE = "exercise", _("Exercise class")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=120)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="group_sessions")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_sessions"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["site", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="group_session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=50),
                name="group_session_capacity_1_50",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()}) at {self.start:%Y-%m-%d %H:%M}"


class GroupBooking(models.Model):
    """One patient's place in a group session, and whether they came."""

    class Attendance(models.TextChoices):
        BOOKED = "booked", pgettext_lazy("group attendance", "Booked")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Did not attend")
        CANCELLED = "cancelled", pgettext_lazy("group attendance", "Cancelled")

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="bookings")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="group_bookings")
    attendance = models.CharField(
        max_length=10, choices=Attendance.choices, default=Attendance.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient__last_name", "patient__first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "patient"], name="one_place_per_patient")
        ]

    def __str__(self) -> str:
        return f"{self.patient} in {self.session}"


class WaitlistOffer(models.Model):
    """A freed slot offered to one waitlisted patient by a single-use, expiring, unguessable link
    (/p/offer/<token>/; only the token's SHA-256 hash is stored). The first to accept books the slot
    (the database's no-double-booking constraint decides); the others are told it has gone."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        GONE = "gone", "Gone (taken by another patient)"

    token_hash = models.CharField(max_length=64, unique=True)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist_offers")
    # The appointment whose cancellation (or move) freed the time; the slot offered is its time.
    freed = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="waitlist_offers")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE)
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OFFERED)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # The visit booked by accepting.
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            # A freed slot is offered to each waiting request once, however often the offer runs.
            models.UniqueConstraint(fields=["freed", "entry"], name="one_offer_per_slot_and_entry")
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} of {self.start:%Y-%m-%d %H:%M} to patient {self.patient_id}"
