"""On sign-in: decide whether the session still needs a second factor, start the idle and lifetime
clocks. Failed sign-ins and sign-outs go in the audit log here; a sign-in is audited by the sign-in
view (account_views.SignInView), the only way in with a password.
After `migrate`: give the runtime database role its privileges on whatever tables now exist."""

from typing import Any

from django.apps import AppConfig
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.http import HttpRequest

from lbp_pathway import audit, db_roles
from lbp_pathway.languages import STAFF_LANGUAGE_SESSION_KEY
from lbp_pathway.middleware import (
    LAST_ACTIVITY,
    SIGNED_IN_AT,
    now,
    refresh_two_factor_state,
    seconds_left,
)
from lbp_pathway.models import StaffPreference


@receiver(user_logged_in, dispatch_uid="lbp_session_security")
def start_secure_session(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    started = now()
    request.session[LAST_ACTIVITY] = started
    request.session[SIGNED_IN_AT] = started
    refresh_two_factor_state(request, user)
    # The staff member's screens follow the language they saved (StaffLanguageMiddleware).
    saved = StaffPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if saved:
        request.session[STAFF_LANGUAGE_SESSION_KEY] = saved


@receiver(user_login_failed, dispatch_uid="lbp_audit_sign_in_failure")
def audit_sign_in_failure(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    if request is not None:
        who = audit.Actor(
            user=None,
            path=request.path[:300],
            ip_address=audit.client_address(request),
            claimed_username=username,
        )
    else:
        who = audit.Actor(user=None, claimed_username=username)
    audit.record(who, audit.Action.AUTH, "Sign-in failed: wrong username or password")


@receiver(user_logged_out, dispatch_uid="lbp_audit_sign_out")
def audit_sign_out(
    sender: type[User], request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None or request is None:
        return
    reason = getattr(request, "lbp_sign_out_reason", "")
    if not reason and hasattr(request, "session") and LAST_ACTIVITY in request.session:
        reason = "idle timeout" if seconds_left(request) <= 0 else ""
    who = audit.Actor(user=user, path=request.path[:300], ip_address=audit.client_address(request))
    audit.record(who, audit.Action.AUTH, "Signed out" + (f" ({reason})" if reason else ""))


@receiver(post_migrate, dispatch_uid="lbp_runtime_role_grants")
def grant_runtime_role(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """Once per `migrate` (post_migrate is sent per app, after all migrations): the migration
    lbp_pathway 0007 granted the runtime role its privileges; repeating it here covers tables that
    later migrations add and a runtime role that is configured later."""
    if sender.name == "lbp_pathway":
        db_roles.grant_runtime(connections[using])
