"""Reads used by the intake pages. Each list issues a fixed number of queries whatever the data size."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from care_episodes.models import Episode
from intake import slots as slot_rules
from intake.db import Fold, FoldedName, PhoneDigits, Similarity, TrigramDistance
from intake.identifiers import digits_only
from intake.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    GroupSession,
    IncomingReferral,
    Patient,
    Site,
    WaitlistEntry,
    WeeklyAvailability,
)
from lbp_pathway.access import Role

SEARCH_LIMIT = 50
# An episode in one of these states is continued by a new booking rather than replaced.
CONTINUING = [
    Episode.Status.REQUESTED,
    Episode.Status.BOOKED,
    Episode.Status.ASSESSED,
    Episode.Status.IN_CARE,
    Episode.Status.SENT_TO_EMERGENCY,
]


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def users_with_role(*roles: Role) -> QuerySet[User]:
    return (
        User.objects.filter(groups__name__in=[role.value for role in roles], is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# Patients ---------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y")


def _as_date(token: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class PatientQuery:
    """What the front desk typed, split into its parts."""

    name_words: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()  # 4+ digits: a health card prefix or part of a phone number
    born: date | None = None


_NUMBER_PART = re.compile(r"[\d().+-]+")  # digits and the punctuation of phone numbers


def parse_patient_query(query: str) -> PatientQuery:
    """Split on spaces; a date is the birth date; neighbouring runs of digits are one number (so
    "613 555 0199" and "1234 567 897" are typed as printed); other words are parts of the name."""
    name_words: list[str] = []
    numbers: list[str] = []
    born = None
    pending = ""
    for token in [*(query or "").split(), ""]:
        if token and _as_date(token) is None and _NUMBER_PART.fullmatch(token):
            pending += token
            continue
        if pending:
            digits = digits_only(pending)
            if len(digits) >= 4:
                numbers.append(digits)
            else:
                name_words.append(pending)
            pending = ""
        as_date = _as_date(token) if token else None
        if as_date is not None:
            born = as_date
        elif token:
            name_words.append(token)
    return PatientQuery(tuple(name_words), tuple(numbers), born)


# A word this short has no trigram of its own, so it matches the start of a first or last name
# ("li" finds Li and Lina, not Ali): the index then looks up the word-start trigrams "  l" and " li".
SHORT_WORD = 3


def _name_word_matches(word: str) -> Q:
    """A condition on the `search_name` annotation (the expression of the trigram index)."""
    folded = Fold(Value(word))
    if len(word) >= SHORT_WORD:
        return Q(search_name__contains=folded)
    return Q(search_name__startswith=folded) | Q(
        search_name__contains=Concat(Value(" "), folded, output_field=TextField())
    )


@dataclass(frozen=True)
class PatientMatches:
    patients: list[Patient]
    # The date of birth typed, when nobody matching the rest of the query was born that day: it was
    # set aside and the list shows everyone matching the rest (a mistyped date still finds them).
    born_set_aside: date | None = None


def find_patients(
    query: str, limit: int = SEARCH_LIMIT, *, physician: User | None = None
) -> PatientMatches:
    """The first `limit` patients in the order of docs/search.md (a physician sees only their own
    panel); if a date of birth typed with a name or number matches nobody, it searches again without
    the date."""
    terms = parse_patient_query(query)
    patients = _first_patients(terms, limit, physician)
    if patients or terms.born is None or not (terms.name_words or terms.numbers):
        return PatientMatches(patients)
    without_date = _first_patients(replace(terms, born=None), limit, physician)
    return PatientMatches(without_date, terms.born if without_date else None)


def _first_patients(terms: PatientQuery, limit: int, physician: User | None) -> list[Patient]:
    """A name search reads at most `limit` rows per tier, whatever the number of matches: first the
    exact surnames in first-name order, then, only to fill the list, the surnames starting with a
    one-word search, then the other matches by similarity. A number typed keeps the single ranked query (the card match comes first, and a
    number matches few people)."""
    if not terms.name_words or terms.numbers:
        return list(patient_search(terms, physician=physician)[:limit])
    found = list(exact_surname_tier(terms, physician=physician)[:limit])
    if len(found) < limit and _surname_prefix_bounds(terms) is not None:
        found += surname_prefix_tier(terms, physician=physician)[: limit - len(found)]
        if len(found) < limit:
            found += first_name_prefix_tier(terms, physician=physician)[: limit - len(found)]
    if len(found) < limit:
        found += similar_name_tier(terms, physician=physician)[: limit - len(found)]
    return found


def search_patients(
    query: str, limit: int = SEARCH_LIMIT, *, physician: User | None = None
) -> list[Patient]:
    return find_patients(query, limit, physician=physician).patients


def _matching(terms: PatientQuery, physician: User | None) -> QuerySet[Patient]:
    """Every patient matching every name word, number and the date of birth typed, unordered, with
    `search_name` (the folded full name) and `fold_last` annotated when a name word was typed."""
    patients = Patient.objects.select_related("family_physician")
    if physician is not None:
        patients = patients.filter(family_physician=physician)
    if terms.born is not None:
        patients = patients.filter(date_of_birth=terms.born)
    if terms.numbers:
        patients = patients.annotate(phone_digits=PhoneDigits("phone"))
        for number in terms.numbers:
            patients = patients.filter(
                Q(health_card_number__startswith=number) | Q(phone_digits__contains=number)
            )
    if terms.name_words:
        patients = patients.annotate(
            search_name=FoldedName("first_name", "last_name"), fold_last=Fold("last_name")
        )
        for word in terms.name_words:
            patients = patients.filter(_name_word_matches(word))
    return patients


def _exact_surname(terms: PatientQuery) -> Q:
    """The surname equals a name word or all of them together ("da silva"), accents and case aside."""
    whole = " ".join(terms.name_words)
    surname = Q()
    for candidate in dict.fromkeys([whole, *terms.name_words]):
        surname |= Q(fold_last=Fold(Value(candidate)))
    return surname


def exact_surname_tier(
    terms: str | PatientQuery, *, physician: User | None = None
) -> QuerySet[Patient]:
    """Name matches whose surname is a word typed, by (folded) surname then first name: the order of
    the `intake_patient_fold_names` b-tree (migration 0007), so a LIMIT stops the index walk after
    that many rows ("tremblay": the first 50 of 33,000 Tremblays, not all of them sorted)."""
    terms = parse_patient_query(terms) if isinstance(terms, str) else terms
    patients: QuerySet[Patient]
    if len(terms.name_words) == 1:
        # The surname equal to the one word implies the word's LIKE condition; left in, it makes the
        # planner think few rows match and sort them all (770 ms for "tremblay" at 1M, not 0.3 ms).
        patients = _matching(replace(terms, name_words=()), physician).annotate(
            fold_last=Fold("last_name")
        )
    else:
        patients = _matching(terms, physician)
    return patients.filter(_exact_surname(terms)).order_by(
        Fold("last_name"), Fold("first_name"), "id"
    )


_ASCII_WORD = re.compile(r"[a-z0-9]+")


def _surname_prefix_bounds(terms: PatientQuery) -> tuple[str, str] | None:
    """[word, word with its last letter moved on one): every surname starting with the one word
    typed sorts in that range, in the C collation and in the usual language collations alike (they
    compare letters first). Only for one word that is plain ASCII once its accents are dropped and
    does not end in z or 9, where folding and the next letter need no guess; other searches go
    straight to the similarity tier."""
    if len(terms.name_words) != 1:
        return None
    decomposed = unicodedata.normalize("NFKD", terms.name_words[0].lower())
    word = "".join(c for c in decomposed if not unicodedata.combining(c))  # as unaccent: é -> e
    if not _ASCII_WORD.fullmatch(word) or word[-1] in "z9":
        return None
    return word, word[:-1] + chr(ord(word[-1]) + 1)


def surname_prefix_tier(
    terms: str | PatientQuery, *, physician: User | None = None
) -> QuerySet[Patient]:
    """Surnames starting with the one word typed but not equal to it ("trem": Tremblay,
    Tremblay-Roy), by surname then first name: a range of the `intake_patient_fold_names` b-tree
    read in order, so a LIMIT stops it."""
    terms = parse_patient_query(terms) if isinstance(terms, str) else terms
    bounds = _surname_prefix_bounds(terms)
    if bounds is None:
        return Patient.objects.none()
    low, high = bounds
    return (
        _matching(replace(terms, name_words=()), physician)
        .annotate(fold_last=Fold("last_name"))
        .filter(fold_last__gt=low, fold_last__lt=high, fold_last__startswith=low)
        .order_by(Fold("last_name"), Fold("first_name"), "id")
    )


def first_name_prefix_tier(
    terms: str | PatientQuery, *, physician: User | None = None
) -> QuerySet[Patient]:
    """First names starting with the one word typed ("marie": Marie, Marie-Josée), surnames not
    starting with it (listed before), by first name then surname: a range of the
    `intake_patient_fold_first_names` b-tree read in order, so a LIMIT stops it."""
    terms = parse_patient_query(terms) if isinstance(terms, str) else terms
    bounds = _surname_prefix_bounds(terms)
    if bounds is None:
        return Patient.objects.none()
    low, high = bounds
    return (
        _matching(replace(terms, name_words=()), physician)
        .annotate(fold_first=Fold("first_name"), fold_last=Fold("last_name"))
        .filter(fold_first__gte=low, fold_first__lt=high, fold_first__startswith=low)
        .exclude(Q(fold_last__startswith=low))
        .order_by(Fold("first_name"), Fold("last_name"), "id")
    )


def similar_name_tier(
    terms: str | PatientQuery, *, physician: User | None = None
) -> QuerySet[Patient]:
    """Name matches whose surname is not a word typed, most similar full name first (pg_trgm
    distance `<->`, read in that order from the `intake_patient_name_gist` index, migration 0007),
    then by name."""
    terms = parse_patient_query(terms) if isinstance(terms, str) else terms
    whole = Fold(Value(" ".join(terms.name_words)))
    others = _matching(terms, physician).exclude(_exact_surname(terms))
    bounds = _surname_prefix_bounds(terms)
    if bounds is not None:  # already listed by the two prefix tiers
        others = others.annotate(fold_first=Fold("first_name")).exclude(
            Q(fold_last__startswith=bounds[0]) | Q(fold_first__startswith=bounds[0])
        )
    return (
        others
        # "last first" has the same trigrams as "first last", so the same distance; being another
        # expression, its GiST index serves only this order, and the name words keep the GIN index.
        .annotate(distance=TrigramDistance(FoldedName("last_name", "first_name"), whole)).order_by(
            "distance", "last_name", "first_name", "id"
        )
    )


def patient_search(
    query: str | PatientQuery, *, physician: User | None = None
) -> QuerySet[Patient]:
    """Patients found by every name word (partial, accents and case ignored), number (health card
    prefix or 4+ digits of the phone number) and date of birth typed, in one ranked query: the exact
    health card, then the exact surname (accents and case aside), then trigram similarity of the
    name, then last and first name. Every match is ranked, so `find_patients` uses it only when a
    number or a date alone was typed (few matches); name searches go tier by tier.
    """
    terms = parse_patient_query(query) if isinstance(query, str) else query
    if not (terms.name_words or terms.numbers or terms.born):
        return Patient.objects.none()
    patients = _matching(terms, physician)
    ranking: list[OrderBy] = []
    if terms.numbers:
        # Coalesce: a patient without a card is "no match", not NULL (which would sort first).
        patients = patients.annotate(
            card_match=Coalesce(
                ExpressionWrapper(
                    Q(health_card_number__in=terms.numbers), output_field=BooleanField()
                ),
                Value(False),
            )
        )
        ranking.append(F("card_match").desc())
    if terms.name_words:
        whole = " ".join(terms.name_words)
        patients = patients.annotate(
            surname_match=ExpressionWrapper(_exact_surname(terms), output_field=BooleanField()),
            likeness=Similarity(FoldedName("first_name", "last_name"), Fold(Value(whole))),
        )
        ranking += [F("surname_match").desc(), F("likeness").desc()]
    return patients.order_by(*ranking, "last_name", "first_name", "id")


def likely_duplicates(
    *, first_name: str, last_name: str, date_of_birth: date, exclude_id: int | None = None
) -> list[Patient]:
    """Patients born the same day whose first or last name matches once accents and case are set
    aside: probably the same person registered before."""
    found = (
        Patient.objects.filter(date_of_birth=date_of_birth)
        .annotate(fold_first=Fold("first_name"), fold_last=Fold("last_name"))
        .filter(
            Q(fold_last=Fold(Value(last_name.strip())))
            | Q(fold_first=Fold(Value(first_name.strip())))
        )
        .order_by("last_name", "first_name")
    )
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    return list(found[:10])


def patient_appointments(patient: Patient) -> list[Appointment]:
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("practitioner", "site", "appointment_type")
        .order_by("-start")
    )
    for appointment in appointments:
        appointment.patient = patient  # named by each appointment's history title, fetched once
    return appointments


def patient_episodes(patient: Patient) -> list[Episode]:
    """The patient's care episodes, newest request first."""
    return list(
        patient.episodes.select_related("physiotherapist", "site").order_by("-requested_on", "-id")
    )


def waiting_entry(patient: Patient) -> WaitlistEntry | None:
    """The patient's live waitlist request, if any."""
    return patient.waitlist_entries.filter(status=WaitlistEntry.Status.WAITING).first()


def open_new_assessment(patient: Patient, *, now: datetime | None = None) -> Appointment | None:
    """The patient's next booked new-assessment visit still ahead, if any (one query)."""
    return (
        Appointment.objects.filter(
            patient=patient,
            appointment_type__is_new_assessment=True,
            status=Appointment.Status.BOOKED,
            start__gt=now or timezone.now(),
        )
        .select_related("patient", "site", "practitioner", "appointment_type")
        .order_by("start")
        .first()
    )


def continuing_episode(patient: Patient) -> Episode | None:
    return (
        Episode.objects.filter(patient=patient, status__in=CONTINUING)
        .order_by("-requested_on", "-id")
        .first()
    )


def default_appointment_type(episode: Episode | None) -> AppointmentType:
    """A new episode starts with a new-assessment visit; later visits are follow-ups."""
    types = {t.code: t for t in AppointmentType.objects.all()}
    if episode is not None and (
        episode.first_assessed_on
        or episode.appointments.filter(appointment_type__is_new_assessment=True)
        .exclude(status=Appointment.Status.CANCELLED)
        .exists()
    ):
        return types.get("follow_up") or next(iter(types.values()))
    return types.get("new_assessment") or next(iter(types.values()))


# Slots -----------------------------------------------------------------------------------------


@dataclass
class FreeSlot:
    start: datetime
    end: datetime
    practitioner: User
    site: Site
    confirm_url: str = ""

    @property
    def practitioner_name(self) -> str:
        return self.practitioner.get_full_name() or self.practitioner.username


def free_slots(
    *,
    appointment_type: AppointmentType,
    practitioner_id: int | None = None,
    site_id: int | None = None,
    part_of_day: str | None = None,
    now: datetime | None = None,
    days: int = 28,
    limit: int = 12,
) -> list[FreeSlot]:
    """The next free slots across sites, in time order: three queries whatever the schedule size."""
    now = now or timezone.now()
    tz = local_tz()
    windows_qs = WeeklyAvailability.objects.select_related("practitioner", "site")
    if practitioner_id:
        windows_qs = windows_qs.filter(practitioner_id=practitioner_id)
    if site_id:
        windows_qs = windows_qs.filter(site_id=site_id)
    window_rows = list(windows_qs)
    practitioner_ids = {row.practitioner_id for row in window_rows}
    first_day = now.astimezone(tz).date()
    last_day = first_day + timedelta(days=days)
    days_off = [
        slot_rules.DaysOff(off.practitioner_id, off.first_day, off.last_day)
        for off in AvailabilityException.objects.filter(
            practitioner_id__in=practitioner_ids, last_day__gte=first_day, first_day__lte=last_day
        )
    ]
    busy = [
        slot_rules.Busy(pid, start, end)
        for pid, start, end in Appointment.objects.filter(
            practitioner_id__in=practitioner_ids,
            start__lt=datetime.combine(last_day + timedelta(days=1), time(), tzinfo=tz),
            end__gt=now,
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .values_list("practitioner_id", "start", "end")
    ]
    found = slot_rules.free_slots(
        windows=[
            slot_rules.Window(row.practitioner_id, row.site_id, row.weekday, row.start, row.end)
            for row in window_rows
        ],
        days_off=days_off,
        busy=busy,
        now=now,
        tz=tz,
        duration=timedelta(minutes=appointment_type.duration_minutes),
        days=days,
        part_of_day=part_of_day,
        limit=limit,
    )
    practitioners = {row.practitioner_id: row.practitioner for row in window_rows}
    sites = {row.site_id: row.site for row in window_rows}
    return [
        FreeSlot(
            slot.start.astimezone(tz),
            slot.end.astimezone(tz),
            practitioners[slot.practitioner_id],
            sites[slot.site_id],
        )
        for slot in found
    ]


def within_availability(
    *, practitioner_id: int, site_id: int, start: datetime, end: datetime
) -> bool:
    day = start.astimezone(local_tz()).date()
    windows = [
        slot_rules.Window(row.practitioner_id, row.site_id, row.weekday, row.start, row.end)
        for row in WeeklyAvailability.objects.filter(practitioner_id=practitioner_id)
    ]
    days_off = [
        slot_rules.DaysOff(off.practitioner_id, off.first_day, off.last_day)
        for off in AvailabilityException.objects.filter(
            practitioner_id=practitioner_id, first_day__lte=day, last_day__gte=day
        )
    ]
    return slot_rules.within_availability(
        windows=windows,
        days_off=days_off,
        practitioner_id=practitioner_id,
        site_id=site_id,
        start=start,
        end=end,
        tz=local_tz(),
    )


# Day sheets and worklists ------------------------------------------------------------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = local_tz()
    return (
        datetime.combine(day, time(), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(), tzinfo=tz),
    )


@dataclass
class SiteDay:
    site: Site
    appointments: list[Appointment]


@dataclass
class PractitionerDay:
    practitioner: User
    sites: list[SiteDay]


def day_sheet(day: date, practitioner_id: int | None = None) -> list[PractitionerDay]:
    """Each practitioner's appointments of the day, grouped by site, in time order (one query)."""
    start, end = day_bounds(day)
    appointments = (
        Appointment.objects.filter(start__gte=start, start__lt=end)
        .select_related("patient", "site", "practitioner", "appointment_type")
        .order_by("practitioner__last_name", "practitioner_id", "start")
    )
    if practitioner_id:
        appointments = appointments.filter(practitioner_id=practitioner_id)
    grouped: dict[int, PractitionerDay] = {}
    by_site: dict[tuple[int, int], SiteDay] = {}
    for appointment in appointments:
        person = grouped.setdefault(
            appointment.practitioner_id, PractitionerDay(appointment.practitioner, [])
        )
        key = (appointment.practitioner_id, appointment.site_id)
        if key not in by_site:
            by_site[key] = SiteDay(appointment.site, [])
            person.sites.append(by_site[key])
        by_site[key].appointments.append(appointment)
    return list(grouped.values())


def todays_arrivals(now: datetime | None = None) -> list[Appointment]:
    now = now or timezone.now()
    start, end = day_bounds(now.astimezone(local_tz()).date())
    return list(
        Appointment.objects.filter(start__gte=start, start__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "site", "practitioner", "appointment_type")
        .order_by("start")
    )


def referral_worklist() -> list[IncomingReferral]:
    """Open referrals to book: urgent ones first, then oldest first."""
    return list(
        IncomingReferral.objects.filter(status=IncomingReferral.Status.OPEN)
        .select_related("patient", "referring_physician", "referrer", "episode")
        .annotate(
            attachments_count=Count("attachments"),
            urgent_first=Case(
                When(urgency=IncomingReferral.Urgency.URGENT, then=0),
                default=1,
                output_field=IntegerField(),
            ),
        )
        .order_by("urgent_first", "received_on", "id")
    )


def worklist_counts() -> dict[str, int]:
    referrals = IncomingReferral.objects.filter(status=IncomingReferral.Status.OPEN).aggregate(
        total=Count("id"),
        urgent=Count("id", filter=Q(urgency=IncomingReferral.Urgency.URGENT)),
    )
    return {
        "referrals": referrals["total"],
        "urgent_referrals": referrals["urgent"],
        "waitlist": WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING).count(),
    }


@dataclass
class FreedSlot:
    """A cancelled appointment whose time is still free, with whom to offer it to, in order."""

    appointment: Appointment
    candidates: list[WaitlistEntry]


def waiting_entries() -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING)
        .select_related("patient", "practitioner", "site", "appointment")
        .order_by("added_at", "id")
    )


def freed_slots(entries: list[WaitlistEntry], now: datetime | None = None) -> list[FreedSlot]:
    """Future cancelled appointments whose time nobody has taken since (two queries)."""
    now = now or timezone.now()
    taken = Appointment.objects.filter(
        practitioner_id=OuterRef("practitioner_id"),
        start__lt=OuterRef("end"),
        end__gt=OuterRef("start"),
    ).exclude(status=Appointment.Status.CANCELLED)
    cancelled = list(
        Appointment.objects.filter(
            status=Appointment.Status.CANCELLED, start__gt=now, rescheduled_to__isnull=True
        )
        .filter(~Exists(taken))
        .select_related("practitioner", "site", "appointment_type", "patient")
        .order_by("start")[:20]
    )
    freed = []
    for appointment in cancelled:
        candidates = [
            entry
            for entry in entries
            if entry.patient_id != appointment.patient_id
            and entry.practitioner_id in (None, appointment.practitioner_id)
            and entry.site_id in (None, appointment.site_id)
            and (entry.appointment is None or entry.appointment.start > appointment.start)
        ]
        freed.append(FreedSlot(appointment, candidates))
    return freed


def practitioner_choices() -> list[User]:
    return list(users_with_role(Role.PHYSIOTHERAPIST))


def sites() -> list[Site]:
    return list(Site.objects.all())


# Week calendar -----------------------------------------------------------------------------------

CALENDAR_STEP = timedelta(minutes=30)


@dataclass
class CalendarEntry:
    """One thing in a calendar cell: a free slot to book, or a live appointment."""

    start: datetime
    end: datetime
    practitioner: User
    site: Site
    appointment: Appointment | None = None
    book_url: str = ""  # free: the booking page for this slot; booked: the calendar moving it
    value: str = ""  # free: what the "move here" button posts

    @property
    def is_free(self) -> bool:
        return self.appointment is None


@dataclass
class CalendarRow:
    at: time
    cells: list[list[CalendarEntry]]  # one list per day of WeekCalendar.days


@dataclass
class WeekCalendar:
    monday: date
    days: list[date]
    rows: list[CalendarRow]
    free_count: int
    booked_count: int


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _floor_to_step(moment: time) -> time:
    minutes = moment.hour * 60 + moment.minute
    minutes -= minutes % int(CALENDAR_STEP.total_seconds() // 60)
    return time(minutes // 60, minutes % 60)


def week_calendar(
    *,
    monday: date,
    duration: timedelta,
    site_id: int | None = None,
    practitioner_id: int | None = None,
    moving: Appointment | None = None,
    now: datetime | None = None,
) -> WeekCalendar:
    """A week of free slots (of `duration`) and live appointments, by day and half hour, for one
    site and practitioner or all of them: two queries whatever the size of the clinic (availability
    with its days off as arrays, then the week's appointments). The appointment being moved does
    not hold its own time, as the reschedule cancels it in the same transaction."""
    now = now or timezone.now()
    tz = local_tz()
    week_start = datetime.combine(monday, time(), tzinfo=tz)
    week_end = week_start + timedelta(days=7)
    sunday = monday + timedelta(days=6)

    off = AvailabilityException.objects.filter(
        practitioner_id=OuterRef("practitioner_id"), last_day__gte=monday, first_day__lte=sunday
    ).order_by("id")
    windows_qs = WeeklyAvailability.objects.select_related("practitioner", "site").annotate(
        off_first=ArraySubquery(off.values("first_day")),
        off_last=ArraySubquery(off.values("last_day")),
    )
    shown = Q()
    if site_id:
        windows_qs = windows_qs.filter(site_id=site_id)
        shown &= Q(site_id=site_id)
    if practitioner_id:
        windows_qs = windows_qs.filter(practitioner_id=practitioner_id)
        shown &= Q(practitioner_id=practitioner_id)
    window_rows = list(windows_qs)
    practitioner_ids = {row.practitioner_id for row in window_rows}

    # The shown appointments, and every live booking of the shown practitioners (at any site: they
    # are busy wherever they are booked).
    wanted = shown | Q(practitioner_id__in=practitioner_ids) if practitioner_ids else shown
    appointments = list(
        Appointment.objects.filter(wanted, start__lt=week_end, end__gt=week_start)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient", "practitioner", "site", "appointment_type")
        .order_by("start", "id")
    )
    moving_id = moving.pk if moving is not None else None
    busy = [
        slot_rules.Busy(a.practitioner_id, a.start, a.end)
        for a in appointments
        if a.pk != moving_id
    ]
    days_off = {
        slot_rules.DaysOff(row.practitioner_id, first, last)
        for row in window_rows
        for first, last in zip(row.off_first, row.off_last, strict=True)
    }
    from_moment = max(now, week_start)
    free = slot_rules.free_slots(
        windows=[
            slot_rules.Window(row.practitioner_id, row.site_id, row.weekday, row.start, row.end)
            for row in window_rows
        ],
        days_off=days_off,
        busy=busy,
        now=from_moment,
        tz=tz,
        duration=duration,
        step=CALENDAR_STEP,
        days=max(0, (week_end.date() - from_moment.astimezone(tz).date()).days),
        limit=7 * 48 * max(1, len(window_rows)),
    )
    practitioners = {row.practitioner_id: row.practitioner for row in window_rows}
    site_by_id = {row.site_id: row.site for row in window_rows}

    entries: list[CalendarEntry] = [
        CalendarEntry(
            slot.start.astimezone(tz),
            slot.end.astimezone(tz),
            practitioners[slot.practitioner_id],
            site_by_id[slot.site_id],
        )
        for slot in free
    ]
    shown_appointments = [
        a
        for a in appointments
        if (not site_id or a.site_id == site_id)
        and (not practitioner_id or a.practitioner_id == practitioner_id)
        and week_start <= a.start < week_end
    ]
    entries += [
        CalendarEntry(a.start.astimezone(tz), a.end.astimezone(tz), a.practitioner, a.site, a)
        for a in shown_appointments
    ]

    # Rows: every half hour that a shown practitioner works, and the times of the appointments.
    times: set[time] = set()
    for row in window_rows:
        moment = datetime.combine(monday, row.start)
        while moment.time() < row.end:
            times.add(_floor_to_step(moment.time()))
            moment += CALENDAR_STEP
            if moment.date() != monday:
                break
    times |= {_floor_to_step(entry.start.time()) for entry in entries}

    weekdays = {row.weekday for row in window_rows} | {e.start.weekday() for e in entries}
    days = [
        monday + timedelta(days=offset)
        for offset in range(7)
        if offset < 5 or offset in weekdays  # the weekend only when someone works or is booked
    ]
    column = {day: index for index, day in enumerate(days)}
    grid: dict[time, list[list[CalendarEntry]]] = {at: [[] for _ in days] for at in sorted(times)}
    for entry in sorted(entries, key=lambda e: (e.start, e.practitioner.last_name, e.site.name)):
        grid[_floor_to_step(entry.start.time())][column[entry.start.date()]].append(entry)
    return WeekCalendar(
        monday=monday,
        days=days,
        rows=[CalendarRow(at, cells) for at, cells in grid.items()],
        free_count=len(free),
        booked_count=len(shown_appointments),
    )


def upcoming_group_sessions(since: datetime) -> list[GroupSession]:
    """Sessions from `since` on, each with `taken` (live bookings), soonest first."""
    return list(
        GroupSession.objects.filter(end__gte=since)
        .select_related("site", "leader")
        .annotate(taken=Count("bookings", filter=~Q(bookings__attendance="cancelled")))
        .order_by("start")[:200]
    )
