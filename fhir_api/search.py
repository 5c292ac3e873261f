"""Read and search, table-driven: each FHIR resource type is one or more `Source`s (a model, how to
filter it by the common search parameters, and its mapper in resources.py).

A page costs a fixed number of queries whatever its size: one for the page's ids (a UNION when the
type has several sources), then one fetch per source with what the mapper needs joined or
prefetched. Paging is by offset (`_count` at most 100), with `self` and `next` links.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db.models import DateTimeField, F, IntegerField, Model, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast
from django.utils.dateparse import parse_date, parse_datetime

from care_episodes.models import ConsultationNote, FollowUpPlan, NoteDelivery, OutcomeMeasurement
from care_episodes.models import SelfManagementPlan as PlanRecord
from fhir_api import resources as fhir
from fhir_api.auth import ApiError, Client, not_found, require
from fhir_api.models import AUDIT_READ, READ
from intake.models import Appointment, IncomingReferral, Patient, Site
from lbp_pathway.access import Role
from lbp_pathway.models import AuditEvent
from referrals import rules as referral_rules
from referrals.models import Destination, Referral
from triage.models import QuestionnaireResponse, TriageDecision

Json = fhir.Json
DEFAULT_COUNT = 20
MAX_COUNT = 100
COMMON = {
    "_id",
    "_count",
    "_offset",
    "_format",
    "_lastUpdated",
    "patient",
    "identifier",
    "date",
    "status",
}


@dataclass(frozen=True)
class Source:
    """One model behind a resource type. `patient`, `date`, `status` name the fields the common
    search parameters filter (None: the parameter does not apply); `statuses` maps each FHIR status
    to the model's values; `identifiers` maps an identifier system to the field holding its value."""

    prefix: str
    rows: Callable[[], QuerySet[Any]]
    to_fhir: Callable[[Any], Json]
    patient_of: Callable[[Any], int | None]
    patient: str | None = None
    date: str | None = None
    date_is_datetime: bool = False
    statuses: dict[str, list[str]] = field(default_factory=dict)
    status_field: str = "status"
    identifiers: dict[str, str] = field(default_factory=dict)
    fetch: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda rows: rows


@dataclass(frozen=True)
class Kind:
    name: str
    sources: tuple[Source, ...]
    scope: str = READ
    static: Callable[[], list[Json]] | None = None  # resources that are not rows (the clinic)


def _clinical_users() -> QuerySet[User]:
    clinical = [Role.PHYSIOTHERAPIST.value, Role.FAMILY_PHYSICIAN.value]
    return User.objects.filter(
        pk__in=Subquery(
            User.groups.through.objects.filter(group__name__in=clinical).values("user_id")
        )
    )


def _statuses(mapping: dict[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for ours, theirs in mapping.items():
        grouped.setdefault(theirs, []).append(ours)
    return grouped


def _patient_id(record: Any) -> int | None:
    return int(record.patient_id) if record.patient_id is not None else None


def _episode_patient_id(record: Any) -> int | None:
    return int(record.episode.patient_id)


def _none(record: Any) -> int | None:
    return None


def _outcome_source(measure: str) -> Source:
    return Source(
        prefix=f"{measure}-",
        rows=lambda: OutcomeMeasurement.objects.filter(**{f"{measure}__isnull": False}),
        fetch=lambda rows: rows.select_related("episode"),
        to_fhir=lambda record: fhir.outcome(record, measure),
        patient_of=_episode_patient_id,
        patient="episode__patient_id",
        date="measured_on",
    )


SIGNED_NOTES = Q(signed_at__isnull=False)


def _note_rows() -> QuerySet[ConsultationNote]:
    return ConsultationNote.objects.filter(SIGNED_NOTES)


def _note_fetch(rows: QuerySet[ConsultationNote]) -> QuerySet[ConsultationNote]:
    return rows.select_related("episode", "addendum").annotate(
        referral_id=F("episode__incoming_referral__id")
    )


def _note_document(note: Any) -> Json:
    return fhir.note_document(note, getattr(note, "referral_id", None))


LETTERS = ~Q(status=referral_rules.DRAFT)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "Patient",
            (
                Source(
                    prefix="",
                    rows=lambda: Patient.objects.all(),
                    to_fhir=fhir.patient,
                    patient_of=lambda record: int(record.pk),
                    patient="pk",
                    identifiers={
                        fhir.ON_HEALTH_CARD: "health_card_number",
                        fhir.naming_system("patient"): "pk",
                    },
                ),
            ),
        ),
        Kind(
            "Practitioner",
            (
                Source(
                    prefix="",
                    rows=_clinical_users,
                    to_fhir=fhir.practitioner,
                    patient_of=_none,
                    identifiers={fhir.naming_system("practitioner"): "pk"},
                ),
            ),
        ),
        Kind(
            "PractitionerRole",
            (
                Source(
                    prefix="",
                    rows=_clinical_users,
                    fetch=lambda rows: rows.prefetch_related("groups"),
                    to_fhir=fhir.practitioner_role,
                    patient_of=_none,
                ),
            ),
        ),
        Kind(
            "Organization",
            (
                Source(
                    prefix="dest-",
                    rows=lambda: Destination.objects.all(),
                    to_fhir=fhir.organization,
                    patient_of=_none,
                ),
            ),
            static=lambda: [fhir.clinic()],
        ),
        Kind(
            "Location",
            (
                Source(
                    prefix="",
                    rows=lambda: Site.objects.all(),
                    to_fhir=fhir.location,
                    patient_of=_none,
                ),
            ),
        ),
        Kind(
            "ServiceRequest",
            (
                Source(
                    prefix="in-",
                    rows=lambda: IncomingReferral.objects.all(),
                    fetch=lambda rows: rows.select_related("referring_physician", "referrer"),
                    to_fhir=fhir.incoming_referral,
                    patient_of=_patient_id,
                    patient="patient_id",
                    date="received_on",
                    statuses=_statuses(fhir.INCOMING_STATUS),
                    identifiers={fhir.naming_system("incoming-referral"): "pk"},
                ),
                Source(
                    prefix="out-",
                    rows=lambda: Referral.objects.all(),
                    fetch=lambda rows: rows.select_related("episode", "destination"),
                    to_fhir=fhir.outgoing_referral,
                    patient_of=_episode_patient_id,
                    patient="episode__patient_id",
                    date="created_at",
                    date_is_datetime=True,
                    statuses=_statuses(fhir.OUTGOING_STATUS),
                    identifiers={fhir.naming_system("outgoing-referral"): "pk"},
                ),
            ),
        ),
        Kind(
            "Appointment",
            (
                Source(
                    prefix="",
                    rows=lambda: Appointment.objects.all(),
                    fetch=lambda rows: rows.select_related("appointment_type", "site"),
                    to_fhir=fhir.appointment,
                    patient_of=_patient_id,
                    patient="patient_id",
                    date="start",
                    date_is_datetime=True,
                    statuses=_statuses(fhir.APPOINTMENT_STATUS),
                ),
            ),
        ),
        Kind(
            "QuestionnaireResponse",
            (
                Source(
                    prefix="",
                    rows=lambda: QuestionnaireResponse.objects.all(),
                    fetch=lambda rows: rows.select_related("episode"),
                    to_fhir=lambda record: fhir.questionnaire_response(
                        record, record.episode.patient_id
                    ),
                    patient_of=_episode_patient_id,
                    patient="episode__patient_id",
                    date="entered_at",
                    date_is_datetime=True,
                ),
            ),
        ),
        Kind(
            "Observation",
            (
                Source(
                    prefix="sbst-",
                    rows=lambda: TriageDecision.objects.filter(response__isnull=False),
                    to_fhir=fhir.start_back_score,
                    patient_of=_patient_id,
                    patient="patient_id",
                    date="decided_at",
                    date_is_datetime=True,
                ),
                *(_outcome_source(measure) for measure in fhir.MEASURES),
            ),
        ),
        Kind(
            "CarePlan",
            (
                Source(
                    prefix="self-",
                    rows=lambda: PlanRecord.objects.all(),
                    fetch=lambda rows: rows.select_related("episode").prefetch_related("exercises"),
                    to_fhir=fhir.self_management_plan,
                    patient_of=_episode_patient_id,
                    patient="episode__patient_id",
                    date="updated_at",
                    date_is_datetime=True,
                ),
                Source(
                    prefix="follow-",
                    rows=lambda: FollowUpPlan.objects.all(),
                    fetch=lambda rows: rows.select_related("episode"),
                    to_fhir=fhir.follow_up_plan,
                    patient_of=_episode_patient_id,
                    patient="episode__patient_id",
                    date="updated_at",
                    date_is_datetime=True,
                ),
            ),
        ),
        Kind(
            "DocumentReference",
            (
                Source(
                    prefix="",  # the bare note id, as the note-signed webhook names it
                    rows=_note_rows,
                    fetch=_note_fetch,
                    to_fhir=_note_document,
                    patient_of=_episode_patient_id,
                    patient="episode__patient_id",
                    date="signed_at",
                    date_is_datetime=True,
                    identifiers={fhir.naming_system("consultation-note"): "pk"},
                ),
                Source(
                    prefix="letter-",
                    rows=lambda: Referral.objects.filter(LETTERS),
                    fetch=lambda rows: rows.select_related("episode", "destination"),
                    to_fhir=fhir.letter_document,
                    patient_of=_episode_patient_id,
                    patient="episode__patient_id",
                    date="created_at",
                    date_is_datetime=True,
                ),
            ),
        ),
        Kind(
            "Composition",
            (
                Source(
                    prefix="",
                    rows=_note_rows,
                    fetch=lambda rows: rows.select_related("episode"),
                    to_fhir=fhir.composition,
                    patient_of=_episode_patient_id,
                    patient="episode__patient_id",
                    date="signed_at",
                    date_is_datetime=True,
                ),
            ),
        ),
        Kind(
            "Communication",
            (
                Source(
                    prefix="",
                    rows=lambda: NoteDelivery.objects.filter(channel=NoteDelivery.Channel.WEBHOOK),
                    fetch=lambda rows: rows.select_related("note__episode", "referrer"),
                    to_fhir=fhir.note_delivery,
                    patient_of=lambda record: int(record.note.episode.patient_id),
                    patient="note__episode__patient_id",
                    date="created_at",
                    date_is_datetime=True,
                    statuses=_statuses(fhir.DELIVERY_STATUS),
                ),
            ),
        ),
        Kind(
            "AuditEvent",
            (
                Source(
                    prefix="",
                    rows=lambda: AuditEvent.objects.all(),
                    to_fhir=fhir.audit_event,
                    patient_of=_none,  # reading the log is not reading the patient's record
                    patient="patient_id",
                    date="at",
                    date_is_datetime=True,
                ),
            ),
            scope=AUDIT_READ,
        ),
    ]
}


def kind_for(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise ApiError(
            404, [("", f"{name} is not a resource type this server supports.")], "not-supported"
        )
    return kind


# --- which records a client may see --------------------------------------------------------------


def visible_patients(client: Client) -> Q | None:
    """A condition on patient ids limiting what a client sees, or None for every patient (a client
    marked sees_every_patient). A partner sees the patients its clinicians referred to us and those
    we referred to its destination; a client without a partner row sees none."""
    partner = client.partner
    if partner is not None and partner.sees_every_patient:
        return None
    referred = IncomingReferral.objects.filter(referrer__partner_key=client.partner_key)
    condition = Q(pk__in=Subquery(referred.values("patient_id")))
    if partner is not None and partner.destination_id is not None:
        sent = Referral.objects.filter(destination_id=partner.destination_id).exclude(
            status=referral_rules.DRAFT
        )
        condition |= Q(pk__in=Subquery(sent.values("episode__patient_id")))
    return condition


def limit(source: Source, rows: QuerySet[Any], client: Client) -> QuerySet[Any]:
    limit = visible_patients(client)
    if limit is None or source.patient is None:
        return rows
    rows = rows.filter(**{f"{source.patient}__in": Patient.objects.filter(limit).values("pk")})
    model = source.rows().model
    if model is Referral:  # only the referrals sent to this partner, not others of its patients
        destination = client.partner.destination_id if client.partner else None
        rows = rows.filter(destination_id=destination)
    if model is IncomingReferral:  # only the referrals its own clinicians sent
        rows = rows.filter(referrer__partner_key=client.partner_key)
    if model is NoteDelivery:  # the notes waiting for this partner's own clinicians
        rows = rows.filter(partner_key=client.partner_key)
    if model is AuditEvent:
        rows = rows.none()  # the audit log is for the clinic's privacy officer only
    return rows


# --- the search parameters -----------------------------------------------------------------------

DATE_PREFIXES = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}


def split_id(source: Source, value: str) -> int | None:
    if not value.startswith(source.prefix):
        return None
    rest = value[len(source.prefix) :]
    return int(rest) if rest.isdigit() else None


def _reference_id(value: str, kind: str) -> str:
    return value.removeprefix(f"{kind}/")


def _date_filter(source: Source, raw: str) -> Q:
    match = re.fullmatch(r"(eq|ge|le|gt|lt)?(.+)", raw)
    assert match is not None
    prefix, value = match.group(1) or "eq", match.group(2)
    as_date = parse_date(value) if len(value) == 10 else None
    as_datetime = None if as_date is not None else parse_datetime(value)
    if as_date is None and as_datetime is None:
        raise ApiError(
            400, [("date", f"'{raw}' is not a date (YYYY-MM-DD, optionally prefixed ge/le/gt/lt).")]
        )
    assert source.date is not None
    field_name = source.date
    if as_date is not None and source.date_is_datetime:
        field_name += "__date"
    compared: date | datetime = as_date if as_date is not None else as_datetime  # type: ignore[assignment]
    if as_datetime is not None and not source.date_is_datetime:
        compared = as_datetime.date()
    return Q(**{field_name + DATE_PREFIXES[prefix]: compared})


@dataclass(frozen=True)
class Params:
    ids: list[str]
    patient: str | None
    identifier: str | None
    dates: list[str]
    statuses: list[str]
    count: int
    offset: int


def parse(kind: Kind, query: dict[str, list[str]]) -> Params:
    problems = [
        (name, f"The search parameter {name} is not supported for {kind.name}.")
        for name in query
        if name not in COMMON
    ]

    def one(name: str) -> str | None:
        values = query.get(name) or []
        return values[-1] if values else None

    def number(name: str, default: int, low: int, high: int) -> int:
        raw = one(name)
        if raw is None:
            return default
        if not raw.isdigit():
            problems.append((name, f"{name} must be a whole number, not '{raw}'."))
            return default
        return max(low, min(high, int(raw)))

    count = number("_count", DEFAULT_COUNT, 1, MAX_COUNT)
    offset = number("_offset", 0, 0, 10**9)
    if problems:
        raise ApiError(400, problems)
    ids = [value for raw in query.get("_id", []) for value in raw.split(",") if value]
    statuses = [value for raw in query.get("status", []) for value in raw.split(",") if value]
    return Params(
        ids=ids,
        patient=one("patient"),
        identifier=one("identifier"),
        dates=query.get("date", []) + query.get("_lastUpdated", []),
        statuses=statuses,
        count=count,
        offset=offset,
    )


def filtered(source: Source, params: Params, kind: Kind) -> QuerySet[Any] | None:
    """`source`'s rows matching `params`, or None when the parameters rule the source out."""
    rows = source.rows()
    if params.ids:
        pks = [pk for pk in (split_id(source, value) for value in params.ids) if pk is not None]
        if not pks:
            return None
        rows = rows.filter(pk__in=pks)
    if params.patient is not None:
        patient_id = _reference_id(params.patient, "Patient")
        if source.patient is None or not patient_id.isdigit():
            return None
        rows = rows.filter(**{source.patient: int(patient_id)})
    if params.identifier is not None:
        system, _, value = params.identifier.rpartition("|")
        fields = (
            [source.identifiers[system]]
            if system in source.identifiers
            else (list(source.identifiers.values()) if not system else [])
        )
        condition = Q()
        for field_name in fields:
            if field_name == "pk" and not value.isdigit():
                continue
            condition |= Q(**{field_name: value})
        if not condition:
            return None
        rows = rows.filter(condition)
    for raw in params.dates:
        if source.date is None:
            return None
        rows = rows.filter(_date_filter(source, raw))
    if params.statuses:
        values = [value for status in params.statuses for value in source.statuses.get(status, [])]
        if not values:
            return None
        rows = rows.filter(**{f"{source.status_field}__in": values})
    return rows


@dataclass
class Page:
    resources: list[Json]
    patients: list[int | None]
    more: bool


def _sort_key(source: Source) -> Any:
    if source.date is None:
        return Value(None, output_field=DateTimeField())
    return Cast(source.date, DateTimeField()) if not source.date_is_datetime else F(source.date)


def search(kind: Kind, params: Params, client: Client) -> Page:
    require(client, kind.scope)
    parts: list[QuerySet[Any]] = []
    for index, source in enumerate(kind.sources):
        rows = filtered(source, params, kind)
        if rows is None:
            continue
        rows = limit(source, rows, client)
        parts.append(
            rows.order_by()
            .annotate(
                sort_on=_sort_key(source), source_index=Value(index, output_field=IntegerField())
            )
            .values_list("pk", "sort_on", "source_index")
        )
    static = _static(kind, params)
    page_rows: list[tuple[int, Any, int]] = []
    if parts:
        combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        ordered = combined.order_by(F("sort_on").desc(nulls_last=True), "-pk")
        start = max(0, params.offset - len(static))
        page_rows = list(ordered[start : start + params.count + 1])
    static_page = static[params.offset : params.offset + params.count]
    more = len(static_page) + len(page_rows) > params.count
    page_rows = page_rows[: params.count - len(static_page)]
    fetched: dict[int, dict[int, Model]] = {}
    for index, source in enumerate(kind.sources):
        pks = [pk for pk, _, part in page_rows if part == index]
        if pks:
            fetched[index] = source.fetch(source.rows()).in_bulk(pks)
    resources = list(static_page)
    patients: list[int | None] = []
    for pk, _, index in page_rows:
        record = fetched[index][pk]
        source = kind.sources[index]
        resources.append(fhir.validated(source.to_fhir(record)))
        patients.append(source.patient_of(record))
    return Page(resources=resources, patients=patients, more=more)


def _static(kind: Kind, params: Params) -> list[Json]:
    if (
        kind.static is None
        or params.patient
        or params.identifier
        or params.dates
        or params.statuses
    ):
        return []
    found = kind.static()
    if params.ids:
        found = [resource for resource in found if resource["id"] in params.ids]
    return [fhir.validated(resource) for resource in found]


def read(kind: Kind, id_: str, client: Client) -> tuple[Json, int | None]:
    require(client, kind.scope)
    if kind.static is not None:
        for resource in kind.static():
            if resource["id"] == id_:
                return fhir.validated(resource), None
    for source in kind.sources:
        pk = split_id(source, id_)
        if pk is None:
            continue
        rows = limit(source, source.fetch(source.rows()).filter(pk=pk), client)
        record = rows.first()
        if record is not None:
            return fhir.validated(source.to_fhir(record)), source.patient_of(record)
    raise not_found(f"{kind.name}/{id_}")


def bundle(kind: Kind, page: Page, params: Params, url: str, query: dict[str, list[str]]) -> Json:
    def link(offset: int) -> str:
        pairs = [
            (k, v) for k, values in query.items() if k not in ("_offset", "_count") for v in values
        ]
        pairs += [("_count", str(params.count)), ("_offset", str(offset))]
        return f"{url}?{urlencode(pairs)}"

    links = [{"relation": "self", "url": link(params.offset)}]
    if page.more:
        links.append({"relation": "next", "url": link(params.offset + params.count)})
    if params.offset > 0:
        links.append({"relation": "previous", "url": link(max(0, params.offset - params.count))})
    entries = [
        {
            "fullUrl": f"{fhir.base()}/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in page.resources
    ]
    return {"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entries}
