"""On sign-in: decide whether the session still needs a second factor, start the idle and lifetime
clocks. Failed sign-ins and sign-outs go in the audit log here; a sign-in is audited by the sign-in
view (account_views.SignInView), the only way in with a password."""

import time
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from lbp_pathway import audit
from lbp_pathway.middleware import (
    LAST_ACTIVITY,
    SIGNED_IN_AT,
    refresh_two_factor_state,
    seconds_left,
)


@receiver(user_logged_in, dispatch_uid="lbp_session_security")
def start_secure_session(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LAST_ACTIVITY] = now
    request.session[SIGNED_IN_AT] = now
    refresh_two_factor_state(request, user)


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
