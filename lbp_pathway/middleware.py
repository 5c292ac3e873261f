"""Session security: idle sign-out, the absolute session lifetime, the two-factor gate, and no caching
of signed-in pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from lbp_pathway import services
from lbp_pathway.languages import STAFF_LANGUAGE_SESSION_KEY

LAST_ACTIVITY = "lbp_last_activity"
SIGNED_IN_AT = "lbp_signed_in_at"
# The idle clock is written to the session at most this often (and on "Stay signed in"): a session
# write is a database UPDATE, which every request used to pay. The clock may therefore lag the last
# request by up to this many seconds, so the sign-out comes at most this much early, never late.
ACTIVITY_WRITE_SECONDS = 60
TWO_FACTOR = "lbp_two_factor"  # "ok", "verify" (enrolled, code not given yet) or "enrol" (required)
# services.two_factor_generation() when TWO_FACTOR was worked out: a new rule, a role change or a
# removed authenticator changes the generation, and every session works its state out again.
TWO_FACTOR_GENERATION = "lbp_two_factor_generation"

# Pages reachable before the second factor is given (and the idle-status poll, which is not activity).
TWO_FACTOR_OPEN = {
    "two_factor_verify",
    "two_factor_enrol",
    "two_factor_recovery_codes",
    "logout",
    "session_status",
    "healthz",
}
NOT_ACTIVITY = {"session_status"}
# The patient pages (questionnaires, handouts, self-referral, booking): their own language switch.
PATIENT_PAGES = "/p/"
ALWAYS_RECORDED = {"session_keepalive"}


def now() -> int:
    """The clock of the idle sign-out, in whole seconds (tests move it)."""
    return int(time.time())


def idle_seconds() -> int:
    return settings.SESSION_IDLE_MINUTES * 60


def seconds_left(request: HttpRequest) -> int:
    last = request.session.get(LAST_ACTIVITY)
    if last is None:
        return idle_seconds()
    return max(0, int(last) + idle_seconds() - now())


def two_factor_state(request: HttpRequest, user: User) -> str:
    """ "ok" once the session gave a code from a device the user still has (django_otp.login keeps
    the device in the session) or when no second factor applies; otherwise "verify" (has an
    authenticator) or "enrol" (a role requires one)."""
    device_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if device_id:
        device = Device.from_persistent_id(device_id)
        if device is not None and device.user_id == user.pk and device.confirmed:
            return "ok"
        del request.session[DEVICE_ID_SESSION_KEY]
    if services.authenticator(user) is not None:
        return "verify"
    return "enrol" if services.two_factor_required(user) else "ok"


def refresh_two_factor_state(request: HttpRequest, user: User) -> str:
    state = request.session[TWO_FACTOR] = two_factor_state(request, user)
    request.session[TWO_FACTOR_GENERATION] = services.two_factor_generation()
    return state


def token_only(view: Callable[..., HttpResponseBase]) -> bool:
    """A view that a bearer token opens and a session never does (the FHIR API, fhir_api/auth.py):
    the session checks below neither redirect it nor touch the session."""
    return bool(getattr(view, "token_only", False))


def _url_name(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else None


class ViewMiddleware:
    """A middleware that acts only in process_view (once the URL is resolved), before the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class IdleTimeoutMiddleware(ViewMiddleware):
    """Sign a user out after SESSION_IDLE_MINUTES without a request. Django's own session expiry
    (SESSION_COOKIE_AGE) is the backstop; this check says why and works with the idle warning.

    The session is saved only when it changes (no SESSION_SAVE_EVERY_REQUEST): the activity time is
    rewritten when the stored one is ACTIVITY_WRITE_SECONDS old, so a busy user costs one session
    write a minute instead of one per page."""

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not request.user.is_authenticated or token_only(view):
            return None
        if seconds_left(request) <= 0:
            logout(request)
            minutes = settings.SESSION_IDLE_MINUTES
            messages.info(request, f"You were signed out after {minutes} minutes without activity.")
            if _url_name(request) in NOT_ACTIVITY:
                return JsonResponse({"seconds_left": 0, "signed_in": False})
            return redirect_to_login(request.get_full_path())
        name = _url_name(request)
        if name not in NOT_ACTIVITY:
            at = now()
            last = request.session.get(LAST_ACTIVITY)
            if name in ALWAYS_RECORDED or last is None or at - int(last) >= ACTIVITY_WRITE_SECONDS:
                request.session[LAST_ACTIVITY] = at
        return None


def session_expired(request: HttpRequest) -> bool:
    """Whether the session outlived settings.SESSION_ABSOLUTE_HOURS since its sign-in. A session
    signed in before the clock existed starts it now."""
    started: int | None = request.session.get(SIGNED_IN_AT)
    if started is None:
        request.session[SIGNED_IN_AT] = int(time.time())
        return False
    return time.time() >= started + settings.SESSION_ABSOLUTE_HOURS * 3600


class SessionLifetimeMiddleware(ViewMiddleware):
    """Sign a user out SESSION_ABSOLUTE_HOURS after their sign-in, however active they were (the
    idle timeout alone lets activity renew a session for ever)."""

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not request.user.is_authenticated or token_only(view) or not session_expired(request):
            return None
        request.lbp_sign_out_reason = "session lifetime reached"  # type: ignore[attr-defined]
        logout(request)
        hours = settings.SESSION_ABSOLUTE_HOURS
        messages.info(
            request, f"You were signed out {hours} hours after signing in. Sign in again."
        )
        if _url_name(request) in NOT_ACTIVITY:
            return JsonResponse({"seconds_left": 0, "signed_in": False})
        return redirect_to_login(request.get_full_path())


class TwoFactorMiddleware(ViewMiddleware):
    """Until a signed-in user who has an authenticator (or whose role requires one) gives a code,
    every page sends them to the code (or enrolment) page."""

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not request.user.is_authenticated or token_only(view):
            return None
        state = request.session.get(TWO_FACTOR)
        if state is None or (
            request.session.get(TWO_FACTOR_GENERATION) != services.two_factor_generation()
        ):
            state = refresh_two_factor_state(request, request.user)
        if state == "ok" or _url_name(request) in TWO_FACTOR_OPEN:
            return None
        target = "two_factor_verify" if state == "verify" else "two_factor_enrol"
        return redirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))


class NoStoreMiddleware:
    """Pages shown to a signed-in user hold personal health information: browsers and proxies must
    not keep them (the back button after sign-out shows nothing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class StaffLanguageMiddleware:
    """Staff screens in the language the signed-in staff member saved (the language switch, copied
    into the session at sign-in); after LocaleMiddleware, which chose the browser's language.
    Patient pages (/p/...) keep the visitor's own choice: a staff member's saved language never
    changes what a patient's page says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(PATIENT_PAGES):
            saved = request.session.get(STAFF_LANGUAGE_SESSION_KEY)
            if saved in dict(settings.LANGUAGES):
                translation.activate(saved)
                request.LANGUAGE_CODE = saved
        return self.get_response(request)
