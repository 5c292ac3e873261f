"""Sign-in (throttled), the second factor (django-otp: enrolment with a QR code, codes, recovery
codes), password change, and the idle-session endpoints."""

from __future__ import annotations

from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_POST

from lbp_pathway import audit, services
from lbp_pathway.access import any_signed_in, public
from lbp_pathway.audit import client_address
from lbp_pathway.forms import CodeForm, EnrolCodeForm, SignInForm, locked_message
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.languages import STAFF_LANGUAGE_SESSION_KEY, StaffLanguage
from lbp_pathway.middleware import TWO_FACTOR, refresh_two_factor_state, seconds_left

# The recovery codes of an enrolment, kept in the session only until the page that shows them once.
NEW_RECOVERY_CODES = "lbp_new_recovery_codes"


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        services.clear_sign_in_failures(form.cleaned_data["username"], client_address(self.request))
        response = super().form_valid(form)
        audit.record(self.request, audit.Action.AUTH, "Signed in: password accepted")
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_mode"] = settings.DEMO_MODE
        context["two_factor_default_roles"] = settings.TWO_FACTOR_DEFAULT_ROLES
        return context


sign_in = public(SignInView.as_view())


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        services.record_password_set(form.user, actor=audit.actor(self.request))
        return response


password_change = any_signed_in(PasswordChangeView.as_view())


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _locked_out(request: HttpRequest) -> HttpResponse:
    request.lbp_sign_out_reason = "locked after wrong codes"  # type: ignore[attr-defined]
    logout(request)
    messages.error(request, locked_message())
    return redirect("login")


@any_signed_in
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.session.get(TWO_FACTOR) != "verify":
        return redirect(_next_url(request))
    username, address = request.user.get_username(), client_address(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.sign_in_locked(username, address):
            return _locked_out(request)
        device = services.verify_two_factor(
            request.user, form.cleaned_data["code"], actor=audit.actor(request)
        )
        if device is not None:
            services.clear_sign_in_failures(username, address)
            request.session.cycle_key()
            django_otp.login(request, device)
            refresh_two_factor_state(request, request.user)
            if services.recovery_codes_left(request.user) <= 2:
                messages.warning(
                    request,
                    _(
                        "You are running out of recovery codes: make new ones on your two-factor "
                        "page."
                    ),
                )
            return redirect(_next_url(request))
        if services.record_sign_in_failure(username, address):
            return _locked_out(request)
        form.add_error(
            "code",
            _("That code is not right, or was already used. Wait for the next one and try again."),
        )
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@any_signed_in
def two_factor_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator: a QR code (and the key, for typing in) of a new unconfirmed device,
    confirmed by a first code. Someone who has one must give a code before replacing it."""
    if request.session.get(TWO_FACTOR) == "verify":
        return redirect(reverse("two_factor_verify") + "?next=" + reverse("two_factor_enrol"))
    device = services.pending_authenticator(request.user)
    form = EnrolCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.enrol_two_factor(
            request.user, form.cleaned_data["code"], actor=audit.actor(request)
        )
        if codes is None:
            form.add_error(
                "code", _("That code does not match. Check the time on your phone and try again.")
            )
        else:
            device.refresh_from_db()
            django_otp.login(request, device)
            refresh_two_factor_state(request, request.user)
            request.session[NEW_RECOVERY_CODES] = codes
            messages.success(request, _("Two-factor authentication is on for your account."))
            return redirect(reverse("two_factor_recovery_codes") + "?next=" + _next_url(request))
    secret = services.base32_secret(device)
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "uri": device.config_url,
            # segno's own SVG markup, made on the server from the device's otpauth:// URI.
            "qr_svg": mark_safe(services.qr_code_svg(device)),  # noqa: S308
            "required": request.session.get(TWO_FACTOR) == "enrol",
            "next": _next_url(request),
        },
    )


@any_signed_in
def two_factor_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes: shown once (GET after enrolment), or replaced on request (POST)."""
    if request.method == "POST":
        if request.session.get(TWO_FACTOR) != "ok" or services.authenticator(request.user) is None:
            return redirect("two_factor_settings")
        codes = services.new_recovery_codes(request.user, actor=audit.actor(request))
    else:
        codes = request.session.pop(NEW_RECOVERY_CODES, None)
        if not codes:
            messages.info(request, _("Recovery codes are shown only once. You can make new ones."))
            return redirect("two_factor_settings")
    return render(
        request,
        "registration/two_factor_recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


@any_signed_in
def two_factor_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "registration/two_factor_settings.html",
        {
            "device": services.authenticator(request.user),
            "recovery_left": services.recovery_codes_left(request.user),
            "required": services.two_factor_required(request.user),
        },
    )


@any_signed_in
@require_GET
def session_status(request: AuthenticatedHttpRequest) -> JsonResponse:
    """How long until idle sign-out. Polled by static/js/session.js; does not count as activity."""
    return JsonResponse({"seconds_left": seconds_left(request), "signed_in": True})


@any_signed_in
@require_POST
def session_keepalive(request: AuthenticatedHttpRequest) -> JsonResponse:
    """ "Stay signed in": any request is activity (IdleTimeoutMiddleware), so this only answers."""
    return JsonResponse({"seconds_left": seconds_left(request), "signed_in": True})


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch of the staff pages: English or French for this browser, and saved for
    the signed-in staff member (their screens follow it on every device, and so do the
    notifications the app emails them). Patient pages have their own switch (patients/)."""
    if not request.user.is_authenticated:  # the sign-in page: a cookie, as Django's own switch
        return i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if language in StaffLanguage.values:
        services.save_staff_language(request.user, language)
        request.session[STAFF_LANGUAGE_SESSION_KEY] = language
    # No language cookie: the patient pages in this browser keep their own language.
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return redirect(target)
