from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from patients.models import SelfReferral

_PRIORITY = Case(
    *(
        When(outcome=outcome, then=Value(rank))
        for rank, outcome in enumerate(SelfReferral.Outcome.values)
    ),
    output_field=IntegerField(),
)


def open_self_referrals() -> QuerySet[SelfReferral]:
    """Not yet matched: emergency, then urgent, then the rest; oldest first within each."""
    return (
        SelfReferral.objects.filter(handled_at__isnull=True)
        .annotate(priority_rank=_PRIORITY)
        .order_by("priority_rank", "created_at", "id")
    )


def recently_matched(limit: int = 20) -> QuerySet[SelfReferral]:
    return (
        SelfReferral.objects.filter(handled_at__isnull=False)
        .select_related("matched_patient", "handled_by")
        .order_by("-handled_at")[:limit]
    )
