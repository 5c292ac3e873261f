from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from lbp_pathway import history


@history.track(model_name="EpisodeChange", exclude=["created_at"])
class Episode(models.Model):
    """One care episode of low back pain for a patient, from the request to discharge.

    Status changes go through care_episodes/lifecycle.py only.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        BOOKED = "booked", _("Booked")
        ASSESSED = "assessed", _("Assessed")
        IN_CARE = "in_care", _("In care")
        DISCHARGED = "discharged", _("Discharged")
        SENT_TO_EMERGENCY = "sent_to_emergency", _("Sent to emergency")
        REFERRED_ON = "referred_on", _("Referred on")
        DECLINED = "declined", _("Declined")
        LOST_TO_FOLLOW_UP = "lost_to_follow_up", _("Lost to follow-up")

    class Source(models.TextChoices):
        DIRECT = "direct", _("Direct booking (first contact)")
        PHYSICIAN_REFERRAL = "physician_referral", _("Family physician referral")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    patient = models.ForeignKey("intake.Patient", on_delete=models.PROTECT, related_name="episodes")
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="physio_episodes",
    )
    site = models.ForeignKey("intake.Site", null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.DIRECT)
    # The wait clock: request (call or referral received) -> booked -> first assessment.
    requested_on = models.DateField()
    booked_on = models.DateField(null=True, blank=True)
    first_assessed_on = models.DateField(null=True, blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    # Latest triage result, copied here for lists and dashboards; the decision itself lives in triage.
    risk = models.CharField(max_length=6, choices=Risk.choices, blank=True)
    # Why routine booking is refused for this episode (an emergency red flag until a physician clears
    # it); empty when booking is allowed. Booking services must check it.
    booking_hold = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["requested_on"]),
            # The dashboard's pace of first assessments (reporting.rollups.waitlist).
            models.Index(fields=["first_assessed_on"]),
            models.Index(fields=["physiotherapist", "status"]),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} ({self.get_status_display()})"


class EpisodeEvent(models.Model):
    """The episode timeline: every status change and notable event, append-only."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=300)  # in English, as recorded
    # The same in the app's other languages ({"fr": ...}), written with it (lifecycle.worded).
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def text(self) -> str:
        """The event in the reader's language: its own wording in that language, else the
        catalogue's for a fixed English text, else the English as recorded."""
        language = (get_language() or "en")[:2]
        return self.translations.get(language) or gettext(self.description)


class Assessment(models.Model):
    """The physiotherapist's assessment of an episode (history, focused exam, working diagnosis)."""

    class Pattern(models.TextChoices):
        BACK_DOMINANT = "back_dominant", _("Back-dominant pain")
        LEG_DOMINANT = "leg_dominant", _("Leg-dominant pain (radicular)")
        NEUROGENIC_CLAUDICATION = "neurogenic_claudication", _("Neurogenic claudication")

    class WorkStatus(models.TextChoices):
        WORKING_FULL = "working_full", _("Working, full duties")
        WORKING_MODIFIED = "working_modified", _("Working, modified duties")
        OFF_WORK = "off_work", _("Off work because of back pain")
        NOT_WORKING = "not_working", _("Not in paid work (retired, student, caregiver…)")

    class Finding(models.TextChoices):
        NORMAL = "normal", _("Normal")
        ABNORMAL = "abnormal", _("Abnormal")
        NOT_TESTED = "not_tested", _("Not tested")

    class StraightLegRaise(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        POSITIVE_LEFT = "positive_left", _("Positive left")
        POSITIVE_RIGHT = "positive_right", _("Positive right")
        POSITIVE_BOTH = "positive_both", _("Positive both sides")
        NOT_TESTED = "not_tested", _("Not tested")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    presenting_complaint = models.TextField(_("presenting complaint"))
    onset = models.CharField(_("Onset"), max_length=200, help_text=_("When and how it started."))
    symptom_weeks = models.PositiveSmallIntegerField(
        _("Weeks since this episode's onset"), null=True, blank=True
    )
    pattern = models.CharField(_("pattern"), max_length=30, choices=Pattern.choices)
    aggravating_factors = models.TextField(_("aggravating factors"), blank=True)
    easing_factors = models.TextField(_("easing factors"), blank=True)
    previous_episodes = models.TextField(_("previous episodes"), blank=True)
    work_status = models.CharField(_("work status"), max_length=20, choices=WorkStatus.choices)
    medications = models.TextField(_("medications"), blank=True)
    opioid_use = models.BooleanField(_("Uses opioids"), default=False)
    yellow_flags = models.TextField(
        _("yellow flags"),
        blank=True,
        help_text=_("Beliefs, fear of movement, mood, work and social factors."),
    )
    red_flag_screen = models.TextField(
        _("Red-flag screen"),
        help_text=_("What was asked and found (cauda equina, cancer, infection…)."),
    )
    myotomes = models.CharField(
        _("myotomes"), max_length=12, choices=Finding.choices, default=Finding.NOT_TESTED
    )
    dermatomes = models.CharField(
        _("dermatomes"), max_length=12, choices=Finding.choices, default=Finding.NOT_TESTED
    )
    reflexes = models.CharField(
        _("reflexes"), max_length=12, choices=Finding.choices, default=Finding.NOT_TESTED
    )
    straight_leg_raise = models.CharField(
        _("straight leg raise"),
        max_length=16,
        choices=StraightLegRaise.choices,
        default=StraightLegRaise.NOT_TESTED,
    )
    neurological_details = models.TextField(_("Neurological screen details"), blank=True)
    working_diagnosis = models.CharField(_("working diagnosis"), max_length=300)
    goals = models.TextField(_("Patient's goals"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessed_on", "id"]

    def __str__(self) -> str:
        return f"Assessment of {self.episode} on {self.assessed_on}"


class OutcomeMeasurement(models.Model):
    """The outcome measures taken on one occasion (any of them may be left out)."""

    class Timepoint(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        SIX_WEEKS = "six_weeks", _("6 weeks")
        DISCHARGE = "discharge", _("Discharge")
        THREE_MONTHS = "three_months", _("3 months")
        SIX_MONTHS = "six_months", _("6 months")
        TWELVE_MONTHS = "twelve_months", _("12 months")
        OTHER = "other", _("Other")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="outcomes")
    measured_on = models.DateField()
    timepoint = models.CharField(max_length=16, choices=Timepoint.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    nprs = models.PositiveSmallIntegerField(_("NPRS"), null=True, blank=True)
    rmdq = models.PositiveSmallIntegerField(_("RMDQ"), null=True, blank=True)
    rmdq_items = models.JSONField(null=True, blank=True)
    # PSFS and ODI are stored unrounded (double precision holds the rules' float exactly), so a change
    # judged from the stored scores equals outcomes_check's answer; screens round for display.
    psfs = models.FloatField("PSFS mean", null=True, blank=True)
    psfs_activities = models.JSONField(default=list, blank=True)  # [{"activity": str, "score": n}]
    grc = models.SmallIntegerField("Global rating of change", null=True, blank=True)
    odi = models.FloatField("ODI %", null=True, blank=True)
    odi_sections = models.JSONField(null=True, blank=True)
    # The outcomes RULE_VERSION that scored this measurement ("" for those recorded before it was kept).
    rule_version = models.CharField(max_length=20, blank=True, default="")
    # The follow-up visit these measures were re-taken at (quick re-measure from the visit note).
    visit = models.ForeignKey(
        "VisitNote", null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["measured_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nprs__isnull=True) | models.Q(nprs__lte=10), name="nprs_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(rmdq__isnull=True) | models.Q(rmdq__lte=24), name="rmdq_0_24"
            ),
            models.CheckConstraint(
                condition=models.Q(psfs__isnull=True) | models.Q(psfs__gte=0, psfs__lte=10),
                name="psfs_0_10",
            ),
            models.CheckConstraint(
                condition=models.Q(grc__isnull=True) | models.Q(grc__gte=-7, grc__lte=7),
                name="grc_minus7_7",
            ),
            models.CheckConstraint(
                condition=models.Q(odi__isnull=True) | models.Q(odi__gte=0, odi__lte=100),
                name="odi_0_100",
            ),
            # One measurement per scheduled timepoint ("other" may repeat).
            models.UniqueConstraint(
                fields=["episode", "timepoint"],
                condition=~models.Q(timepoint="other"),
                name="one_outcome_per_timepoint",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_timepoint_display()} outcomes for {self.episode}"


class AssessmentDraft(models.Model):
    """A physiotherapist's unfinished assessment form, kept as typed (nothing validated) until the
    assessment is saved: one per episode and author."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "author"], name="one_assessment_draft_per_author"
            )
        ]

    def __str__(self) -> str:
        return f"Assessment draft for {self.episode} by {self.author}"


class VisitMode(models.TextChoices):
    """How a visit takes place (appointments and visit notes)."""

    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video (telehealth)")
    PHONE = "phone", _("Phone")


class VisitNote(models.Model):
    """The record of a follow-up visit: what the patient reports, what was found and done, how they
    responded and what changes in the plan. Editable until signed; signed notes never change."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="visits")
    visit_date = models.DateField(_("visit date"))
    mode = models.CharField(
        _("mode"), max_length=10, choices=VisitMode.choices, default=VisitMode.IN_PERSON
    )
    subjective = models.TextField(_("Subjective (what the patient reports)"))
    objective = models.TextField(_("Objective (findings)"), blank=True)
    treatment = models.TextField(_("Treatment given"))
    response = models.TextField(_("Response to treatment"), blank=True)
    plan_changes = models.TextField(_("Plan changes"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["visit_date", "id"]
        indexes = [models.Index(fields=["visit_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="signed_visit_note_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit on {self.visit_date} for {self.episode}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


EXERCISE_TEXTS = ("name", "purpose", "reps", "frequency", "progression", "instructions")


class Exercise(models.Model):
    """An exercise in the clinic's library, with its usual dosage and plain instructions."""

    name = models.CharField(max_length=120, unique=True)
    purpose = models.CharField(max_length=200)
    sets = models.PositiveSmallIntegerField(default=1)
    reps = models.CharField(
        max_length=40, help_text=_("Repetitions or hold time, e.g. 10 or 30 s.")
    )
    frequency = models.CharField(max_length=80)
    progression = models.CharField(max_length=250, blank=True)
    instructions = models.TextField()
    # The exercise in the app's other languages: {"fr": {"name": ..., "instructions": ...}}.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def dosage(self) -> str:
        return f"{self.sets} × {self.reps}, {self.frequency}"

    @property
    def here(self) -> SimpleNamespace:
        """The exercise in the active language (a handout is written in the patient's): each text
        from `translations`, or the English when the clinic gave none."""
        words = self.translations.get((get_language() or "en")[:2], {})
        shown = {name: words.get(name) or getattr(self, name) for name in EXERCISE_TEXTS}
        return SimpleNamespace(
            **shown, sets=self.sets, dosage=f"{self.sets} × {shown['reps']}, {shown['frequency']}"
        )


# The standard safety-netting advice a new plan starts with (stored in English, the record; read in
# French through the catalogue while the physio leaves it unchanged).
SAFETY_NETTING_ADVICE = gettext_noop(
    "Go to the Emergency Department now if you have new numbness around the genitals or "
    "buttocks, cannot pass urine or control your bladder or bowels, or have new weakness in "
    "both legs. Contact your family physician if you develop fever, unexplained weight loss "
    "or pain that keeps you awake every night."
)


class SelfManagementPlan(models.Model):
    """What the patient does between (or instead of) sessions; printed as the patient handout."""

    class Topic(models.TextChoices):
        BACK_PAIN_COMMON = "common", _("Back pain is common and usually settles")
        STAY_ACTIVE = "stay_active", _("Staying active helps recovery")
        HURT_NOT_HARM = "hurt_not_harm", _("Hurt does not mean harm")
        IMAGING = "imaging", _("Why scans are rarely needed")
        PACING = "pacing", _("Pacing activity and graded return")
        SLEEP = "sleep", _("Sleep and rest positions")
        MEDICATION = "medication", _("Pain medication: what helps and what to avoid")
        STRESS = "stress", _("Stress, mood and pain")
        WORK = "work", _("Staying at or returning to work")
        FLARE_UPS = "flare_ups", _("Managing flare-ups")

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="plan")
    education_topics = ArrayField(
        models.CharField(max_length=20, choices=Topic.choices), default=list, blank=True
    )
    exercises = models.ManyToManyField(Exercise, blank=True, related_name="+")
    activity_modifications = models.TextField(_("activity modifications"), blank=True)
    work_modifications = models.TextField(_("work modifications"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    safety_netting = models.TextField(_("Safety-netting advice"), default=SAFETY_NETTING_ADVICE)
    updated_at = models.DateTimeField(auto_now=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Self-management plan for {self.episode}"

    @property
    def safety_netting_text(self) -> str:
        """The advice in the reader's language (the handout's: the patient's): the standard advice
        has its French; advice the physio wrote stays as written."""
        return gettext(self.safety_netting) if self.safety_netting else ""

    def topic_labels(self) -> list[str]:
        return [str(self.Topic(topic).label) for topic in self.education_topics]


class FollowUpPlan(models.Model):
    """The follow-up matched to the STarT Back risk (proposed by the app, edited by the physio)."""

    class CareModel(models.TextChoices):
        SINGLE_SESSION = (
            "single_session_advice",
            _("Single session: assessment, advice, self-management"),
        )
        COURSE = "physiotherapy_course", _("Course of physiotherapy")
        PSYCHOLOGICALLY_INFORMED = (
            "psychologically_informed_physiotherapy",
            _("Psychologically informed physiotherapy"),
        )

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="follow_up")
    care_model = models.CharField(_("care model"), max_length=40, choices=CareModel.choices)
    sessions = models.PositiveSmallIntegerField(_("Sessions planned (including the assessment)"))
    interval_weeks = models.PositiveSmallIntegerField(_("Weeks between sessions"), default=1)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sessions__gte=1, sessions__lte=30),
                name="follow_up_1_30_sessions",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_care_model_display()} ({self.sessions} sessions)"


class Discharge(models.Model):
    """Why and how an episode ended; the final outcomes are an OutcomeMeasurement at discharge."""

    class Reason(models.TextChoices):
        GOALS_MET = "goals_met", _("Goals met")
        SELF_MANAGING = "self_managing", _("Self-managing with the plan")
        PLATEAU = "plateau", _("No further progress expected from physiotherapy")
        REFERRED = "referred", _("Referred to another service")
        PATIENT_CHOICE = "patient_choice", _("Patient chose to stop")
        OTHER = "other", _("Other")

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="discharge")
    discharged_on = models.DateField(_("discharged on"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    summary = models.TextField(_("summary"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Discharge of {self.episode}: {self.get_reason_display()}"


# How notes are read for search (migration 0006): lbp_en and lbp_fr are copies of PostgreSQL's english
# and french configurations with `unaccent` before the stemmer ("Lévesque" = "levesque", "irradiees" =
# "irradiées"); the stock french configuration is kept as a third reading because the French stemmer
# needs the accents to find a word's stem ("irradié" and "irradiées" are both "irradi" only with them).
NOTE_SEARCH_CONFIGS = ("lbp_en", "lbp_fr", "french")


def note_search_query(text: str) -> SearchQuery:
    """What a person types into a note search box (web-search syntax: words, "a phrase", -not, or),
    read in each of NOTE_SEARCH_CONFIGS: a note matches when any reading matches its vector."""
    first, *others = (
        SearchQuery(text, config=config, search_type="websearch") for config in NOTE_SEARCH_CONFIGS
    )
    for other in others:
        first |= other
    return first


@history.track(
    model_name="ConsultationNoteChange",
    fields=["title", "body", "version", "signed_at", "signed_by"],
)
class ConsultationNote(models.Model):
    """The physiotherapist's note to the family physician. Signed versions are immutable (save() and a
    database trigger refuse changes); an addendum is a new version linked to the previous one."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="notes")
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="addendum"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_notes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signed_notes",
    )
    # English and French words, accents ignored: one reading per NOTE_SEARCH_CONFIGS; search it with
    # `note_search_query`, which reads the query the same ways.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", "body", config=NOTE_SEARCH_CONFIGS[0])
        + SearchVector("title", "body", config=NOTE_SEARCH_CONFIGS[1])
        + SearchVector("title", "body", config=NOTE_SEARCH_CONFIGS[2]),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [GinIndex(fields=["search_vector"], name="note_search_gin")]
        constraints = [
            models.UniqueConstraint(fields=["episode", "version"], name="one_note_per_version"),
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(signed_at__isnull=True),
                name="one_draft_note_per_episode",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="signed_note_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and not self._state.adding:
            stored = (
                type(self).objects.filter(pk=self.pk).values_list("signed_at", flat=True).first()
            )
            if stored is not None:
                raise SignedNoteImmutable(
                    "This note is signed and cannot be changed; write an addendum instead."
                )
        super().save(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class SignedNoteImmutable(Exception):
    """A signed consultation note was about to be changed."""


class NoteRead(models.Model):
    """A physician read a signed note (kept apart so signed notes never change)."""

    note = models.ForeignKey(ConsultationNote, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "reader"], name="one_read_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.note} read by {self.reader}"


class NoteReply(models.Model):
    """A physician's question or comment on a note; the physiotherapist sees it."""

    note = models.ForeignKey(ConsultationNote, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    seen_by_physio_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Reply to {self.note} by {self.author}"


def _check_webhook_url(value: str) -> None:
    """HTTPS, except to this machine (a partner's test endpoint, the tests' own server)."""
    parts = urlsplit(value)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValidationError("A partner's webhook address must start with https://.")


class PartnerEndpoint(models.Model):
    """Where a partner system (known by the key of its API client) wants to hear that a consultation
    note for a patient its clinicians referred is ready. The notice carries ids only; the partner then
    reads the note through the API. Each body is signed with HMAC-SHA256 under `secret`."""

    partner_key = models.CharField(max_length=100, unique=True)
    webhook_url = models.URLField(max_length=500, validators=[_check_webhook_url])
    secret = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.partner_key} -> {self.webhook_url}"


class NoteDelivery(models.Model):
    """A signed consultation note going to a referring clinician outside the team: a webhook notice
    to their partner system (which may also poll for these rows through the API) or an email without
    clinical content. An outbox row written when the note is signed; care_episodes/tasks.py sends it,
    retrying with back-off."""

    class Channel(models.TextChoices):
        WEBHOOK = "webhook", _("Partner system")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        # No webhook configured for the partner: the note waits for the partner to poll for it.
        AVAILABLE = "available", _("Available to the partner")
        FAILED = "failed", _("Failed")

    note = models.ForeignKey(ConsultationNote, on_delete=models.PROTECT, related_name="deliveries")
    referrer = models.ForeignKey(
        "intake.Referrer", on_delete=models.PROTECT, related_name="note_deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # Copied from the referrer when the note was signed: who could poll for this row.
    partner_key = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the partner's client first read the note through the API (set by the API).
    retrieved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "note deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["note", "referrer", "channel"], name="one_note_delivery_per_channel"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="note_delivery_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="note_delivery_waiting_due",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["partner_key", "created_at"]),
        ]

    def __str__(self) -> str:
        return (
            f"Note {self.note_id} to referrer {self.referrer_id} by {self.channel} ({self.status})"
        )

    @property
    def idempotency_key(self) -> str:
        return f"note-delivery-{self.pk}"


class CaseReview(models.Model):
    """A practice lead's review of a complex or escalated case: asked for by the physiotherapist in
    care (with why), answered by a practice lead with advice the physiotherapist reads on the episode.
    The lead never edits the episode itself (they read it: lbp_pathway.access, Scope.TEAM)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="case_reviews")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    question = models.TextField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    advice = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per episode: a second question waits for (or joins) the first answer.
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(reviewed_at__isnull=True),
                name="one_open_case_review_per_episode",
            ),
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | models.Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="case_review_answered_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Case review of {self.episode}"
