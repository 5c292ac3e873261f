"""Rollups: the dashboard's figures summed per day, site, physiotherapist and stratum.

Each table is derived data only (reporting/rollups.py writes it, from scratch or for the days that
changed): dropping every row and running `manage.py rebuild_rollups` gives the same rows back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EpisodeRollup(models.Model):
    """Episodes requested on one day at one site, with one physiotherapist and one stratum, that waited
    the same number of days for their first assessment (None: not assessed). Keeping the wait in the
    key makes the rows a histogram of waits, so medians and 90th percentiles stay exact."""

    day = models.DateField()  # the episode's requested_on
    site = models.ForeignKey(
        "intake.Site", null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    risk = models.CharField(max_length=6, blank=True)
    wait_days = models.IntegerField(null=True)  # first_assessed_on - requested_on

    episodes = models.IntegerField()
    assessed = models.IntegerField()  # with a first assessment: episodes when wait_days is set
    direct_bookings = models.IntegerField()
    physician_referrals = models.IntegerField()
    emergency_diversions = models.IntegerField()
    discharged = models.IntegerField()
    # Attended sessions (arrived or completed) from the local day of the request on.
    sessions = models.IntegerField()
    # Discharged episodes with at least one outcome measurement; per measure, those with two or more,
    # the sum of their baseline-to-last improvements and how many improved meaningfully.
    measured_discharged = models.IntegerField()
    nprs_episodes = models.IntegerField()
    nprs_change = models.IntegerField()
    nprs_meaningful = models.IntegerField()
    rmdq_episodes = models.IntegerField()
    rmdq_change = models.IntegerField()
    rmdq_meaningful = models.IntegerField()
    psfs_episodes = models.IntegerField()
    psfs_change = models.DecimalField(max_digits=12, decimal_places=1)
    psfs_meaningful = models.IntegerField()
    # Referrals that were not cancelled.
    imaging = models.IntegerField()
    imaging_outside_guideline = models.IntegerField()
    specialist = models.IntegerField()
    rapid_access_clinic = models.IntegerField()
    # First versions of consultation notes of assessed episodes: all, signed more than NOTE_SIGN_DAYS
    # after the first assessment, and not signed yet (late or not depends on the day they are read).
    notes = models.IntegerField()
    notes_signed_late = models.IntegerField()
    notes_unsigned = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="episoderollup_day"),
            # A physiotherapist's own figures (their home page, the practitioner filter).
            models.Index(fields=["practitioner", "day"], name="episoderollup_practitioner"),
            # The outcomes table reads only the rows of discharged episodes with measurements.
            models.Index(
                fields=["day"],
                name="episoderollup_outcomes",
                condition=models.Q(measured_discharged__gt=0),
            ),
            # Unsigned notes: late or not depends on the day they are read.
            models.Index(
                fields=["day"],
                name="episoderollup_unsigned_notes",
                condition=models.Q(notes_unsigned__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.episodes} episodes requested on {self.day}"


class EpisodeSiteRollup(models.Model):
    """EpisodeRollup summed over physiotherapists and waits: the counts the clinic-wide pages read
    (a few sites and strata a day, where the per-physiotherapist rows are about one per episode)."""

    day = models.DateField()
    site = models.ForeignKey(
        "intake.Site", null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    risk = models.CharField(max_length=6, blank=True)

    episodes = models.IntegerField()
    assessed = models.IntegerField()
    direct_bookings = models.IntegerField()
    physician_referrals = models.IntegerField()
    emergency_diversions = models.IntegerField()
    discharged = models.IntegerField()
    sessions = models.IntegerField()
    imaging = models.IntegerField()
    imaging_outside_guideline = models.IntegerField()
    specialist = models.IntegerField()
    rapid_access_clinic = models.IntegerField()
    notes = models.IntegerField()
    notes_signed_late = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="episodesiterollup_day")]

    def __str__(self) -> str:
        return f"{self.episodes} episodes requested on {self.day}"


class AppointmentRollup(models.Model):
    """Appointments on one local day at one site, with one practitioner, for episodes of one stratum."""

    day = models.DateField()  # local date of the start (settings.TIME_ZONE)
    site = models.ForeignKey(
        "intake.Site", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    risk = models.CharField(max_length=6, blank=True)  # the episode's stratum

    visits = models.IntegerField()  # arrived or completed
    new_patients_seen = models.IntegerField()  # attended new assessments
    no_shows = models.IntegerField()
    cancellations = models.IntegerField()
    booked_appointments = models.IntegerField()  # not cancelled
    booked_seconds = models.BigIntegerField()  # their length

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="appointmentrollup_day"),
            models.Index(fields=["practitioner", "day"], name="appointmentrollup_practitioner"),
        ]

    def __str__(self) -> str:
        return f"{self.visits} visits on {self.day}"


class AppointmentSiteRollup(models.Model):
    """AppointmentRollup summed over practitioners: what the clinic-wide pages read (a clinic has many
    practitioners a day, and only a few sites and strata)."""

    day = models.DateField()
    site = models.ForeignKey(
        "intake.Site", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    risk = models.CharField(max_length=6, blank=True)

    visits = models.IntegerField()
    new_patients_seen = models.IntegerField()
    no_shows = models.IntegerField()
    cancellations = models.IntegerField()
    booked_appointments = models.IntegerField()
    booked_seconds = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="appointmentsiterollup_day")]

    def __str__(self) -> str:
        return f"{self.visits} visits on {self.day}"


class PendingRollupDay(models.Model):
    """A day whose rollup rows are out of date: database triggers (migration 0002) add one in the same
    transaction as any change to the rows a rollup sums, and the refresh takes them away as it
    recomputes the day."""

    class Kind(models.TextChoices):
        EPISODES = "e", "Episodes requested that day"
        APPOINTMENTS = (
            "a",
            "Appointments that day (UTC date; the refresh looks one day either side)",
        )

    kind = models.CharField(max_length=1, choices=Kind.choices)
    day = models.DateField()

    # No unique constraint on purpose: two transactions marking the same day never wait for each
    # other; the refresh takes every row and recomputes each day once.

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.day}"
