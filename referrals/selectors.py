"""Reads for the referral pages: locating postal codes, matching destinations, referral lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth.models import User
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Round, Sin
from django.utils import timezone

from care_episodes.models import Assessment, Episode
from lbp_pathway.access import PRIMARY_CARE, Role, has_role
from referrals import postal_codes, rules
from referrals.models import (
    Destination,
    PostalCode,
    Referral,
    ReferralEvent,
    ReferralSuggestion,
    RoutingReview,
)
from triage import rules as triage_rules
from triage.models import TriageDecision

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Overdue(TypedDict):
    """What `with_overdue` annotates on each referral."""

    is_overdue: bool


EARTH_RADIUS_KM = 6371.0088
DEFAULT_MATCH_LIMIT = 5


@dataclass(frozen=True)
class Location:
    postal_code: str
    latitude: float
    longitude: float
    precise: bool  # a full postal code rather than its forward sortation area


def locate(code: str) -> Location | None:
    """Coordinates of a postal code from the table: the full code if known, else its FSA."""
    keys = postal_codes.lookup_keys(code)
    if not keys:
        return None
    found = {p.code: p for p in PostalCode.objects.filter(code__in=keys)}
    for key in keys:
        if key in found:
            point = found[key]
            return Location(
                postal_codes.display(code), point.latitude, point.longitude, len(key) == 6
            )
    return None


def distance_km(latitude: float, longitude: float) -> ExpressionWrapper[CombinedExpression]:
    """Great-circle distance from a point to each row's (latitude, longitude), computed in SQL.

    Spherical law of cosines; the cosine is clamped to [-1, 1] so rounding can never make ACOS fail
    for a destination at the very same point.
    """
    lat = Radians(F("latitude"))
    cosine = Sin(Radians(Value(latitude))) * Sin(lat) + Cos(Radians(Value(latitude))) * Cos(
        lat
    ) * Cos(Radians(F("longitude")) - Radians(Value(longitude)))
    clamped = Greatest(Value(-1.0), Least(Value(1.0), cosine))
    return ExpressionWrapper(Value(EARTH_RADIUS_KM) * ACos(clamped), output_field=FloatField())


def match_destinations(
    *,
    kind: str,
    location: Location,
    eligible_programs: Iterable[str] = (),
    language: str = "",
    provider_gender: str = "",
    limit: int = DEFAULT_MATCH_LIMIT,
) -> list[Destination]:
    """Suitable destinations nearest first (to 0.1 km), then soonest available, then by name.

    Suitable: of the kind, accepting with open slots, located, and either without program criteria
    or with a program the patient is eligible for. Each result carries `distance_km`.
    """
    queryset = (
        Destination.objects.filter(
            kind=kind,
            accepting=True,
            slots__gt=0,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .filter(Q(eligibility_program="") | Q(eligibility_program__in=list(eligible_programs)))
        .annotate(distance_km=distance_km(location.latitude, location.longitude))
        # Whole tenths of a kilometre: nearer than 100 m counts as the same distance.
        .annotate(distance_tenths=Round(F("distance_km") * 10))
    )
    if language:
        queryset = queryset.filter(languages__contains=[language.strip().title()])
    if provider_gender:
        queryset = queryset.filter(provider_genders__contains=[provider_gender])
    return list(
        queryset.order_by(
            "distance_tenths", F("next_available_on").asc(nulls_last=True), "name", "id"
        )[:limit]
    )


def latest_review(episode: Episode) -> RoutingReview | None:
    return (
        RoutingReview.objects.filter(episode=episode)
        .prefetch_related("suggestions")
        .order_by("-created_at", "-id")
        .first()
    )


def eligible_programs(review: RoutingReview | None) -> list[str]:
    if review is None:
        return []
    eligibility = review.triage_result.get("eligibility") or {}
    return [name for name, value in eligibility.items() if value and value.get("eligible")]


def referrals_for(user: User) -> QuerySet[WithAnnotations[Referral, Overdue]]:
    """Referrals a user may see on the list: the physio's own episodes, the physician's panel,
    every referral for the front desk (status only)."""
    queryset = Referral.objects.select_related("episode__patient", "destination")
    if has_role(user, Role.FRONT_DESK):
        visible = queryset
    else:
        visible = queryset.none()
        if has_role(user, Role.PHYSIOTHERAPIST):
            visible = visible | queryset.filter(episode__physiotherapist=user)
        if has_role(user, *PRIMARY_CARE):
            visible = visible | queryset.filter(episode__patient__family_physician=user)
    return with_overdue(visible, today=None)


def with_overdue(
    queryset: QuerySet[Referral], *, today: date | None
) -> QuerySet[WithAnnotations[Referral, Overdue]]:
    """Annotate `is_overdue` in SQL with the same rule as rules.is_overdue."""
    today = today or timezone.localdate()
    return queryset.annotate(
        is_overdue=Case(
            When(Q(status__in=rules.CLOCK_RUNNING) & Q(due_on__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def episode_referrals(episode: Episode) -> QuerySet[WithAnnotations[Referral, Overdue]]:
    """An episode's referrals out, newest first, with `is_overdue`."""
    referrals = (
        Referral.objects.filter(episode=episode)
        .select_related("destination")
        .order_by("-created_at", "-id")
    )
    return with_overdue(referrals, today=None)


def referral_events(referral: Referral) -> QuerySet[ReferralEvent]:
    return ReferralEvent.objects.filter(referral=referral).select_related("by")


def suggestion_of(episode: Episode, suggestion_id: int) -> ReferralSuggestion | None:
    """A suggestion of one of the episode's routing reviews (None for another episode's)."""
    return ReferralSuggestion.objects.filter(pk=suggestion_id, review__episode=episode).first()


def _stored_date(value: object) -> date | None:
    """A date kept in a triage case dict (ISO text), or None when missing or unreadable."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def routing_initial(episode: Episode, *, today: date | None = None) -> dict[str, Any]:
    """The routing review form prefilled from what is already recorded, so nothing is retyped:
    the latest triage decision's case (onset, red flags, claims, pregnancy, inflammatory screen)
    and risk, and the latest assessment (leg-dominant pattern, weeks of symptoms, opioid use)."""
    today = today or timezone.localdate()
    initial: dict[str, Any] = {"risk": episode.risk or ""}
    decision = TriageDecision.objects.filter(episode=episode).order_by("-decided_at", "-id").first()
    if decision is not None:
        case = decision.inputs or {}
        claims = case.get("claims") or {}
        known_flags = set(triage_rules.RED_FLAG_CODES)
        known_features = set(triage_rules.INFLAMMATORY_FEATURE_LABELS)
        initial.update(
            {
                "symptoms_started_on": _stored_date(case.get("episode_start_date")),
                "recurrent_episode": bool(case.get("recurrent_episode")),
                "red_flags": [f for f in case.get("red_flags") or [] if f in known_flags],
                "wsib_claim": bool(claims.get("wsib")),
                "motor_vehicle_claim": bool(claims.get("motor_vehicle")),
                "legal_claim": bool(claims.get("legal")),
                "pregnant": bool(case.get("pregnant")),
                "delivery_date": _stored_date(case.get("delivery_date")),
                "unmanaged_chronic_multisite_pain": bool(
                    case.get("unmanaged_chronic_multisite_pain")
                ),
                "unmanaged_narcotic_dependency": bool(case.get("unmanaged_narcotic_dependency")),
                "inflammatory_features": [
                    f for f in case.get("inflammatory_features") or [] if f in known_features
                ],
                "age_at_lbp_onset": case.get("age_at_lbp_onset"),
            }
        )
        risk = ((decision.outputs or {}).get("start_back") or {}).get("risk") or decision.risk
        if risk in ("low", "medium", "high"):
            initial["risk"] = risk
    assessment = Assessment.objects.filter(episode=episode).order_by("-assessed_on", "-id").first()
    if assessment is not None:
        initial["leg_dominant"] = assessment.pattern == Assessment.Pattern.LEG_DOMINANT
        initial["opioid_concerns"] = assessment.opioid_use
        if not initial.get("symptoms_started_on") and assessment.symptom_weeks is not None:
            initial["symptoms_started_on"] = assessment.assessed_on - timedelta(
                weeks=assessment.symptom_weeks
            )
    if not initial.get("symptoms_started_on"):
        initial.pop("symptoms_started_on", None)
    return {key: value for key, value in initial.items() if value is not None}
