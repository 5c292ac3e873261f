"""Security writes: break the glass and its review, sign-in failures and locks, two-factor devices
and per-role two-factor rules. One function per use case, each in a transaction."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from lbp_pathway import audit, throttle, totp
from lbp_pathway.access import Role, can_break_glass
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.models import EmergencyAccess, SignInFailures, TwoFactorDevice, TwoFactorRule
from lbp_pathway.records import PatientRecord

security_log = logging.getLogger("lbp_pathway.security")

MIN_REASON_LENGTH = 15


class RefusedError(Exception):
    """A request the rules refuse; the message is shown to the user."""


# --- Break the glass -------------------------------------------------------------------------------


def break_the_glass(
    request: AuthenticatedHttpRequest, patient: PatientRecord, reason: str
) -> EmergencyAccess:
    """Grant the signed-in clinician time-limited access to a record outside their care or panel."""
    reason = " ".join(reason.split())
    if not can_break_glass(request.user):
        raise RefusedError("Only physiotherapists and family physicians can break the glass.")
    if len(reason) < MIN_REASON_LENGTH:
        raise RefusedError(f"Give the clinical reason in at least {MIN_REASON_LENGTH} characters.")
    now = timezone.now()
    with transaction.atomic():
        grant = EmergencyAccess.objects.create(
            user=request.user,
            patient_id=patient.pk,
            reason=reason[:300],
            granted_at=now,
            expires_at=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
        )
        audit.record(
            request, audit.Action.BREAK_GLASS, "Break the glass", patient=patient, reason=reason
        )
    security_log.warning("break the glass: user %s, patient id %s", request.user.pk, patient.pk)
    return grant


def review_emergency_access(grant: EmergencyAccess, by: User, note: str = "") -> EmergencyAccess:
    with transaction.atomic():
        grant = EmergencyAccess.objects.select_for_update().get(pk=grant.pk)
        if grant.reviewed_at is None:
            grant.reviewed_by = by
            grant.reviewed_at = timezone.now()
            grant.review_note = note[:300]
            grant.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    return grant


# --- Sign-in throttling ----------------------------------------------------------------------------


def _rule() -> dict[str, Any]:
    return {
        "limit": settings.SIGN_IN_FAILURE_LIMIT,
        "window": timedelta(minutes=settings.SIGN_IN_FAILURE_WINDOW_MINUTES),
        "lock": timedelta(minutes=settings.SIGN_IN_LOCK_MINUTES),
    }


def _as_failures(row: SignInFailures | None) -> throttle.Failures | None:
    if row is None:
        return None
    return throttle.Failures(row.failures, row.first_failure_at, row.locked_until)


def _key(username: str, ip_address: str | None) -> dict[str, str]:
    return {"username": username[:150], "ip_address": (ip_address or "")[:45]}


def sign_in_locked(username: str, ip_address: str | None) -> bool:
    row = SignInFailures.objects.filter(**_key(username, ip_address)).first()
    return throttle.is_locked(_as_failures(row), timezone.now())


def record_sign_in_failure(username: str, ip_address: str | None) -> bool:
    """Count a failed password or code; return whether the username is now locked there."""
    now = timezone.now()
    with transaction.atomic():
        row, _ = SignInFailures.objects.select_for_update().get_or_create(
            **_key(username, ip_address), defaults={"first_failure_at": now}
        )
        after = throttle.after_failure(_as_failures(row) if row.failures else None, now, **_rule())
        row.failures, row.first_failure_at, row.locked_until = (
            after.count,
            after.first_at,
            after.locked_until,
        )
        row.save()
    if after.locked_until:
        security_log.warning("sign-in locked after %s failures from %s", after.count, ip_address)
    return after.locked_until is not None


def clear_sign_in_failures(username: str, ip_address: str | None) -> None:
    SignInFailures.objects.filter(**_key(username, ip_address)).delete()


def clear_lockouts(usernames: list[str]) -> None:
    """Forget the sign-in failures and lockouts of these usernames, from every address."""
    SignInFailures.objects.filter(username__in=usernames).delete()


def unlock(failures_id: int, by: User) -> None:
    """An administrator lifts a lock (all addresses of that row's username are cleared)."""
    with transaction.atomic():
        row = SignInFailures.objects.filter(pk=failures_id).first()
        if row is not None:
            SignInFailures.objects.filter(username=row.username).delete()
            security_log.info("sign-in lock lifted by administrator %s", by.pk)


# --- Two-factor authentication ---------------------------------------------------------------------


def two_factor_required(user: User) -> bool:
    return TwoFactorRule.objects.filter(
        required=True, group__in=user.groups.all().values("pk")
    ).exists()


def enrol_two_factor(user: User, secret: str, code: str) -> TwoFactorDevice:
    step = totp.matching_step(secret, code, timezone.now().timestamp())
    if step is None:
        raise RefusedError("That code does not match. Check the time on your phone and try again.")
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user=user).delete()
        return TwoFactorDevice.objects.create(
            user=user, secret=secret, confirmed_at=timezone.now(), last_used_step=step
        )


def verify_two_factor(user: User, code: str) -> bool:
    """Check a code against the user's device; a code is accepted at most once."""
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return False
        step = totp.matching_step(
            device.secret, code, timezone.now().timestamp(), after_step=device.last_used_step
        )
        if step is None:
            return False
        device.last_used_step = step
        device.save(update_fields=["last_used_step"])
    return True


def reset_two_factor(user: User, by: User) -> None:
    """An administrator removes a user's authenticator (lost phone); they enrol again at sign-in."""
    TwoFactorDevice.objects.filter(user=user).delete()
    security_log.info("two-factor device of user %s reset by administrator %s", user.pk, by.pk)


def set_two_factor_rules(required_roles: set[Role]) -> None:
    with transaction.atomic():
        for role in Role:
            group, _ = Group.objects.get_or_create(name=role.value)
            TwoFactorRule.objects.update_or_create(
                group=group, defaults={"required": role in required_roles}
            )
