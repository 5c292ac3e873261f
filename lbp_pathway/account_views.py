"""Sign-in (throttled), the second factor, and the idle-session endpoints."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from lbp_pathway import services, totp
from lbp_pathway.access import any_signed_in, public
from lbp_pathway.audit import client_address
from lbp_pathway.forms import CodeForm, SignInForm, locked_message
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.middleware import TWO_FACTOR, seconds_left
from lbp_pathway.models import TwoFactorDevice

PENDING_SECRET = "lbp_two_factor_pending_secret"


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        services.clear_sign_in_failures(form.cleaned_data["username"], client_address(self.request))
        return super().form_valid(form)


sign_in = public(SignInView.as_view())


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@any_signed_in
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.session.get(TWO_FACTOR) != "verify":
        return redirect(_next_url(request))
    username, address = request.user.get_username(), client_address(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.sign_in_locked(username, address):
            logout(request)
            messages.error(request, locked_message())
            return redirect("login")
        if services.verify_two_factor(request.user, form.cleaned_data["code"]):
            services.clear_sign_in_failures(username, address)
            request.session.cycle_key()
            request.session[TWO_FACTOR] = "ok"
            return redirect(_next_url(request))
        if services.record_sign_in_failure(username, address):
            logout(request)
            messages.error(request, locked_message())
            return redirect("login")
        form.add_error("code", "That code is not right, or was already used. Try the next one.")
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@any_signed_in
def two_factor_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.session.get(TWO_FACTOR) == "verify":
        return redirect(reverse("two_factor_verify") + "?next=" + reverse("two_factor_enrol"))
    secret = request.session.get(PENDING_SECRET) or totp.new_secret()
    request.session[PENDING_SECRET] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrol_two_factor(request.user, secret, form.cleaned_data["code"])
        except services.RefusedError as error:
            form.add_error("code", str(error))
        else:
            request.session.pop(PENDING_SECRET, None)
            request.session[TWO_FACTOR] = "ok"
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect(_next_url(request))
    account = request.user.get_username()
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "secret": totp.grouped(secret),
            "uri": totp.provisioning_uri(secret, account, settings.TWO_FACTOR_ISSUER),
            "required": request.session.get(TWO_FACTOR) == "enrol",
            "next": _next_url(request),
        },
    )


@any_signed_in
def two_factor_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    device = TwoFactorDevice.objects.filter(user=request.user).first()
    return render(
        request,
        "registration/two_factor_settings.html",
        {"device": device, "required": services.two_factor_required(request.user)},
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
