"""Security writes: break the glass and its review, sign-in failures and locks, two-factor devices
and per-role two-factor rules. One function per use case, each in a transaction."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lbp_pathway import audit, throttle
from lbp_pathway.access import Role, can_break_glass
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.languages import StaffLanguage
from lbp_pathway.models import EmergencyAccess, SignInFailures, StaffPreference, TwoFactorRule
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
        raise RefusedError(
            gettext("Only physiotherapists and family physicians can break the glass.")
        )
    if len(reason) < MIN_REASON_LENGTH:
        raise RefusedError(
            gettext("Give the clinical reason in at least {count} characters.").format(
                count=MIN_REASON_LENGTH
            )
        )
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
        if after.locked_until and after.count == settings.SIGN_IN_FAILURE_LIMIT:
            who = audit.Actor(user=None, ip_address=ip_address, claimed_username=username)
            audit.record(who, audit.Action.AUTH, f"Sign-in locked after {after.count} failures")
    if after.locked_until:
        security_log.warning("sign-in locked after %s failures from %s", after.count, ip_address)
    return after.locked_until is not None


def clear_sign_in_failures(username: str, ip_address: str | None) -> None:
    SignInFailures.objects.filter(**_key(username, ip_address)).delete()


def clear_lockouts(usernames: list[str]) -> None:
    """Forget the sign-in failures and lockouts of these usernames, from every address."""
    SignInFailures.objects.filter(username__in=usernames).delete()


def unlock(failures_id: int, *, actor: audit.Actor) -> None:
    """An administrator lifts a lock (all addresses of that row's username are cleared)."""
    with transaction.atomic():
        row = SignInFailures.objects.filter(pk=failures_id).first()
        if row is not None:
            SignInFailures.objects.filter(username=row.username).delete()
            audit.record(actor, audit.Action.AUTH, f"Sign-in unlocked for {row.username}"[:200])
            security_log.info("sign-in lock lifted by user %s", actor.user and actor.user.pk)


# --- Two-factor authentication (django-otp) -------------------------------------------------------
#
# A user's authenticator app is a confirmed django-otp TOTPDevice (an unconfirmed one is an enrolment
# in progress); their recovery codes are the tokens of one StaticDevice, stored as keyed digests
# (recovery_digest), so the table alone does not give them away. django-otp throttles each device
# (a wait that doubles with every wrong code) and never accepts a TOTP code twice; the sign-in lockout
# above counts wrong codes as failed sign-ins too.

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
# Changes that alter who must give a second factor bump this; each session re-checks its state on its
# next request (lbp_pathway.middleware.TwoFactorMiddleware), so a new rule applies to live sessions.
GENERATION_KEY = "lbp:two_factor_generation"


def two_factor_generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = cache.get(GENERATION_KEY)
    return str(value)


def _bump_two_factor_generation() -> None:
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None))


def two_factor_required(user: User) -> bool:
    """Whether any of the user's roles requires a second factor: the role's rule if an administrator
    set one, else settings.TWO_FACTOR_DEFAULT_ROLES."""
    names = set(user.groups.values_list("name", flat=True))
    rules = dict(
        TwoFactorRule.objects.filter(group__name__in=names).values_list("group__name", "required")
    )
    return any(rules.get(name, name in settings.TWO_FACTOR_DEFAULT_ROLES) for name in names)


def two_factor_rules() -> dict[Role, bool]:
    """Every role and whether it requires two-factor sign-in now (rule, or the default)."""
    rules = dict(TwoFactorRule.objects.values_list("group__name", "required"))
    return {
        role: rules.get(role.value, role.value in settings.TWO_FACTOR_DEFAULT_ROLES)
        for role in Role
    }


def authenticator(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


def pending_authenticator(user: User) -> TOTPDevice:
    """The unconfirmed device of an enrolment in progress (one per user), made on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URI as an inline SVG QR code, drawn on the server (no CDN)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, xmldecl=False, svgns=True, title="Authenticator QR code"
    )
    return buffer.getvalue().decode("utf-8")


def recovery_digest(code: str) -> str:
    """What is stored for a recovery code: a digest keyed with SECRET_KEY (16 hex characters, the
    length django-otp's StaticToken holds). Spaces, hyphens and case are ignored."""
    normalized = "".join(code.split()).replace("-", "").lower()
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(
        key, b"recovery-code:" + normalized.encode("utf-8"), hashlib.sha256
    ).hexdigest()[:16]


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    for _ in range(settings.TWO_FACTOR_RECOVERY_CODES):
        raw = StaticToken.random_token()  # 8 base32 characters, 40 random bits
        codes.append(f"{raw[:4]}-{raw[4:]}")
        device.token_set.create(token=recovery_digest(raw))
    return codes


def enrol_two_factor(user: User, code: str, *, actor: audit.Actor) -> list[str] | None:
    """Confirm the pending authenticator with a code from the app. Returns the new recovery codes
    (to be shown once), or None when the code does not match (nothing else changes)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None or not device.verify_token(code):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record(actor, audit.Action.AUTH, "Two-factor authenticator enrolled")
        _bump_two_factor_generation()
    security_log.info("two-factor enrolled: user %s", user.pk)
    return codes


def new_recovery_codes(user: User, *, actor: audit.Actor) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(actor, audit.Action.AUTH, "Two-factor recovery codes replaced")
    return codes


def verify_two_factor(user: User, code: str, *, actor: audit.Actor) -> Device | None:
    """The device that accepts `code` (six digits from the app, or a recovery code, which then
    stops working), or None. Accepted and refused codes are both audited."""
    normalized = "".join(code.split()).replace("-", "").lower()
    with transaction.atomic():
        accepted: Device | None = None
        if normalized.isascii() and normalized.isdigit() and len(normalized) == 6:
            for device in TOTPDevice.objects.devices_for_user(
                user, confirmed=True
            ).select_for_update():
                if device.verify_token(normalized):
                    accepted = device
                    audit.record(actor, audit.Action.AUTH, "Signed in: two-factor code accepted")
                    break
        elif normalized:
            for static in StaticDevice.objects.devices_for_user(
                user, confirmed=True
            ).select_for_update():
                if static.verify_token(recovery_digest(normalized)):
                    accepted = static
                    left = static.token_set.count()
                    audit.record(
                        actor,
                        audit.Action.AUTH,
                        f"Signed in: recovery code used ({left} left)",
                    )
                    break
        if accepted is None:
            audit.record(actor, audit.Action.AUTH, "Two-factor code refused")
    return accepted


def reset_two_factor(user: User, *, actor: audit.Actor) -> None:
    """An administrator removes a user's authenticator and recovery codes (lost phone); the user
    enrols again at their next request if their role requires it."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record(
            actor, audit.Action.AUTH, f"Two-factor removed for {user.get_username()}"[:200]
        )
        _bump_two_factor_generation()
    security_log.info(
        "two-factor of user %s reset by user %s", user.pk, actor.user and actor.user.pk
    )


def set_two_factor_rules(required_roles: set[Role], *, actor: audit.Actor) -> None:
    """Save which roles require two-factor sign-in; audited, and the other administrators are told."""
    with transaction.atomic():
        before = two_factor_rules()
        for role in Role:
            group, _ = Group.objects.get_or_create(name=role.value)
            TwoFactorRule.objects.update_or_create(
                group=group, defaults={"required": role in required_roles}
            )
        after = two_factor_rules()
        changes = [
            f"{role.value} {'required' if after[role] else 'optional'}"
            for role in Role
            if before[role] != after[role]
        ]
        if not changes:
            return
        what = "Two-factor rules: " + ", ".join(changes)
        audit.record(actor, audit.Action.ACCOUNT, what)
        _notify_administrators(what, actor=actor)
        _bump_two_factor_generation()


# --- Accounts and roles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountAccess:
    """What an account may do: its roles and Django's staff, superuser and active flags."""

    roles: frozenset[str]
    is_staff: bool
    is_superuser: bool
    is_active: bool

    def changes_to(self, after: AccountAccess) -> list[str]:
        changes = [f"role {name} added" for name in sorted(after.roles - self.roles)]
        changes += [f"role {name} removed" for name in sorted(self.roles - after.roles)]
        for flag in ("is_staff", "is_superuser", "is_active"):
            if getattr(self, flag) != getattr(after, flag):
                label = flag.removeprefix("is_")
                changes.append(f"{label} {'on' if getattr(after, flag) else 'off'}")
        return changes


def account_access(user: User) -> AccountAccess:
    if user.pk is None:
        return AccountAccess(frozenset(), is_staff=False, is_superuser=False, is_active=True)
    fresh = User.objects.get(pk=user.pk)
    return AccountAccess(
        roles=frozenset(fresh.groups.values_list("name", flat=True)),
        is_staff=fresh.is_staff,
        is_superuser=fresh.is_superuser,
        is_active=fresh.is_active,
    )


def record_account_change(user: User, before: AccountAccess, *, actor: audit.Actor) -> None:
    """Audit a change of someone's roles or flags (made in Django's admin) and tell the other
    administrators. Called inside the admin's transaction, after the groups are saved."""
    changes = before.changes_to(account_access(user))
    if not changes:
        return
    what = f"Access of {user.get_username()}: " + "; ".join(changes)
    audit.record(actor, audit.Action.ACCOUNT, what)
    _notify_administrators(what, actor=actor)
    _bump_two_factor_generation()


def record_password_set(user: User, *, actor: audit.Actor) -> None:
    if actor.user is not None and actor.user.pk == user.pk:
        audit.record(actor, audit.Action.AUTH, "Password changed")
    else:
        audit.record(actor, audit.Action.ACCOUNT, f"Password set for {user.get_username()}"[:200])


def _notify_administrators(what: str, *, actor: audit.Actor) -> None:
    """Email every other active administrator (after the commit): a change of access is never
    silent. Usernames and roles only, no patient information."""
    others = User.objects.filter(groups__name=Role.ADMINISTRATOR.value, is_active=True)
    if actor.user is not None:
        others = others.exclude(pk=actor.user.pk)
    recipients = list(others.exclude(email="").values_list("email", flat=True).distinct())
    if not recipients:
        return
    body = (
        f"{what}\n\nChanged by {actor.username or 'the system'} at "
        f"{timezone.localtime():%Y-%m-%d %H:%M}. If this was not agreed, check the audit log and "
        "undo it at once."
    )
    subject = "[LBP Pathway] Account or security change"
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def save_staff_language(user: Any, language: str) -> None:
    """Keep a staff member's language for their screens and notifications (en or fr)."""
    if language not in StaffLanguage.values:
        raise ValueError(f"Unknown language {language!r}")
    StaffPreference.objects.update_or_create(user=user, defaults={"language": language})
