"""Writes for referrals: one function per use case, each in a transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from care_episodes.models import Episode
from lbp_pathway import audit
from referrals import postal_codes, rules
from referrals.models import (
    Destination,
    PostalCode,
    Referral,
    ReferralEvent,
    ReferralSuggestion,
    RoutingReview,
)
from referrals.suggestions import AssessmentFacts, suggest
from reminders import selectors as reminder_selectors
from reminders import services as reminders

POSTAL_CODE_BATCH = 5000


def import_postal_codes(rows: Iterable[postal_codes.PostalCodeRow]) -> int:
    """Insert or update postal codes in batches, all or nothing; returns how many rows were given.

    Rows must already have passed postal_codes.parse_csv: this trusts them.
    """
    count = 0
    batch: list[PostalCode] = []
    with transaction.atomic():
        for row in rows:
            batch.append(PostalCode(code=row.code, latitude=row.latitude, longitude=row.longitude))
            if len(batch) >= POSTAL_CODE_BATCH:
                count += _upsert(batch)
                batch = []
        if batch:
            count += _upsert(batch)
    return count


def _upsert(batch: list[PostalCode]) -> int:
    PostalCode.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["latitude", "longitude"],
    )
    return len(batch)


def locate_destination(destination: Destination) -> bool:
    """Fill a destination's coordinates from the postal-code table; False when the code is unknown."""
    for key in postal_codes.lookup_keys(destination.postal_code):
        point = PostalCode.objects.filter(code=key).first()
        if point is not None:
            destination.latitude, destination.longitude = point.latitude, point.longitude
            return True
    destination.latitude = destination.longitude = None
    return False


def record_review(
    *,
    episode: Episode,
    triage_result: dict[str, Any],
    facts: AssessmentFacts,
    actor: audit.Actor,
) -> RoutingReview:
    """Store what routing was based on and the suggestions it gives, in priority order."""
    if actor.user is None:
        raise ValueError("A routing review is recorded by a signed-in user, not the system.")
    with transaction.atomic():
        review = RoutingReview.objects.create(
            episode=episode,
            triage_result=triage_result,
            rule_version=str(triage_result.get("rule_version", "")),
            created_by=actor.user,
            **asdict(facts),
        )
        ReferralSuggestion.objects.bulk_create(
            ReferralSuggestion(
                review=review,
                kind=suggestion.kind,
                reasons=list(suggestion.reasons),
                referable=suggestion.referable,
                unmet_need=suggestion.unmet_need,
                position=position,
            )
            for position, suggestion in enumerate(suggest(triage_result, facts))
        )
        audit.record(actor, audit.Action.CREATE, "Routing review", patient_id=episode.patient_id)
    return review


def decide_suggestion(
    suggestion: ReferralSuggestion,
    *,
    decision: str,
    reason: str = "",
    changed_to_kind: str = "",
    actor: audit.Actor,
) -> ReferralSuggestion:
    """Accept, change (to another destination kind) or decline a suggestion, keeping the reason."""
    D = ReferralSuggestion.Decision
    if decision in (D.CHANGED, D.DECLINED) and not reason.strip():
        raise ValueError("Say why the suggestion is changed or declined.")
    if decision == D.CHANGED and changed_to_kind not in rules.KINDS:
        raise ValueError("Choose the destination to refer to instead.")
    with transaction.atomic():
        suggestion.decision = decision
        suggestion.decision_reason = reason.strip()
        suggestion.changed_to_kind = changed_to_kind if decision == D.CHANGED else ""
        suggestion.decided_by = actor.user
        suggestion.decided_at = timezone.now()
        suggestion.save()
        audit.record(
            actor,
            audit.Action.CHANGE,
            f"Referral suggestion {suggestion.kind}",
            patient_id=suggestion.review.episode.patient_id,
        )
    return suggestion


def create_referral(
    *,
    episode: Episode,
    kind: str,
    destination: Destination,
    matches: Sequence[Destination],
    matched_from_postal_code: str,
    reason: str,
    question: str,
    findings: str = "",
    tried: str = "",
    override_reason: str = "",
    override_note: str = "",
    imaging_outside_guideline: bool = False,
    imaging_reason: str = "",
    suggestion: ReferralSuggestion | None = None,
    actor: audit.Actor = audit.SYSTEM,
    by: User | None = None,
) -> Referral:
    """A draft referral to `destination`; `matches` is the ranked list the physio chose from.

    `by` (who drafted it) is the actor's user; demo data, written by the system, names it."""
    by = by or actor.user
    if by is None:
        raise ValueError("Name who drafts the referral: the system cannot.")
    top = matches[0] if matches else None
    overridden = top is not None and destination.pk != top.pk
    if overridden and not override_reason:
        raise ValueError("Give the reason for choosing another destination than the match.")
    if imaging_outside_guideline and not imaging_reason.strip():
        raise ValueError("Imaging outside the guideline needs a stated reason.")
    chosen_distance = next(
        (getattr(m, "distance_km", None) for m in matches if m.pk == destination.pk), None
    )
    with transaction.atomic():
        referral = Referral.objects.create(
            episode=episode,
            suggestion=suggestion,
            kind=kind,
            destination=destination,
            matched_destination=top,
            matched_from_postal_code=matched_from_postal_code,
            distance_km=chosen_distance,
            override_reason=override_reason if overridden else "",
            override_note=override_note.strip() if overridden else "",
            reason=reason,
            findings=findings,
            tried=tried,
            question=question,
            imaging_outside_guideline=imaging_outside_guideline,
            imaging_reason=imaging_reason.strip(),
            created_by=by,
        )
        ReferralEvent.objects.create(
            referral=referral, by=by, to_status=rules.DRAFT, note="Referral drafted"
        )
        audit.record(
            actor, audit.Action.CREATE, f"Referral {referral.pk}", patient_id=episode.patient_id
        )
    return referral


def _remind_if_overdue(referral: Referral, due_on: date, by: User | None) -> None:
    """The physio and the front desk are told the morning after the service-level date."""
    episode = referral.episode
    physio = episode.physiotherapist or referral.created_by or by
    recipients = {
        user.pk: user for user in [physio, *reminder_selectors.front_desk_staff()] if user
    }
    reminders.schedule_referral_overdue_reminders(
        referral_id=referral.pk,
        due_at=reminders.local_morning(due_on + timedelta(days=1)),
        recipients=recipients.values(),
        patient=episode.patient,
        url=reverse("referrals:detail", args=[referral.pk]),
    )


def move_referral(
    referral: Referral,
    to_status: str,
    *,
    actor: audit.Actor = audit.SYSTEM,
    by: User | None = None,
    on: date | None = None,
    note: str = "",
) -> ReferralEvent:
    """Change a referral's status by the rules in referrals/rules.py, dating the change.

    Raises rules.IllegalReferralMove (with a message for the user) for a move the rules refuse.
    Sending starts the service-level clock. `by` (who moved it) is the actor's user; demo data,
    written by the system, names it.
    """
    with transaction.atomic():
        event = _move(referral, to_status, by=by or actor.user, on=on, note=note)
        audit.record(
            actor,
            audit.Action.CHANGE,
            f"Referral {referral.pk} status",
            patient_id=referral.episode.patient_id,
        )
        return event


def _move(
    referral: Referral, to_status: str, *, by: User | None, on: date | None, note: str
) -> ReferralEvent:
    """The status change itself, inside the caller's transaction (which audits it)."""
    on = on or timezone.localdate()
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.status != referral.status:
        raise rules.IllegalReferralMove(
            gettext("This referral was changed by someone else; reload the page and try again.")
        )
    rules.check_move(referral.status, to_status)
    from_status = referral.status
    referral.status = to_status
    fields = ["status"]
    due_on = rules.sla_due_on(referral.kind, on) if to_status == rules.SENT else None
    if due_on is not None:  # sent: the service-level clock starts
        referral.sent_on = on
        referral.due_on = due_on
        fields += ["sent_on", "due_on"]
    referral.save(update_fields=fields)
    if due_on is not None:
        _remind_if_overdue(referral, due_on, by)
    elif to_status not in rules.CLOCK_RUNNING:  # seen, report back, declined, ended
        reminders.cancel_referral_overdue_reminders(referral.pk)
    return ReferralEvent.objects.create(
        referral=referral,
        on=on,
        by=by,
        from_status=from_status,
        to_status=to_status,
        note=note.strip()[:300],
    )


# A report may arrive before anyone recorded the visit: the visit is then recorded on the way.
REPORT_ACCEPTED_FROM = (rules.APPOINTMENT_BOOKED, rules.SEEN)


def attach_report(
    referral: Referral,
    upload: UploadedFile[bytes],
    *,
    report_type: rules.ReportType,
    actor: audit.Actor,
) -> Referral:
    """Store the destination's report under a random name and close the loop (report received).

    The upload must already be checked (type by content, size) by the form.
    """
    if referral.status not in REPORT_ACCEPTED_FROM:
        raise rules.IllegalReferralMove(
            gettext(
                "A report can be attached once the appointment is booked or the patient was "
                "seen; this referral is %(status)s."
            )
            % {"status": gettext(rules.STATUS_LABELS[referral.status]).lower()}
        )
    with transaction.atomic():
        if referral.status == rules.APPOINTMENT_BOOKED:
            _move(referral, rules.SEEN, by=actor.user, on=None, note="Seen (report received)")
        old = referral.report.name if referral.report else ""
        # The extension comes from the sniffed content, never from the sender's file name.
        referral.report.save(f"report.{report_type.extension}", upload, save=False)
        referral.report_content_type = report_type.content_type
        referral.report_received_at = timezone.now()
        referral.save(update_fields=["report", "report_content_type", "report_received_at"])
        _move(referral, rules.REPORT_RECEIVED, by=actor.user, on=None, note="Report attached")
        if old:
            transaction.on_commit(lambda: referral.report.storage.delete(old))
        audit.record(
            actor,
            audit.Action.CHANGE,
            f"Referral {referral.pk} report",
            patient_id=referral.episode.patient_id,
        )
    return referral
