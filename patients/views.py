from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from lbp_pathway import access, audit
from lbp_pathway.access import Role, public, role_required
from lbp_pathway.http import AuthenticatedHttpRequest
from patients import booking, selectors, services, throttle
from patients.forms import SelfReferralForm
from patients.middleware import too_large
from patients.models import SelfReferral
from patients.questions import EMERGENCY_QUESTIONS, URGENT_QUESTIONS
from triage import labels as triage_labels
from triage.rules import RED_FLAG_LABELS

SESSION_KEY = "patients_self_referral"
BOOKING_TOKEN_KEY = "patients_self_referral_booking"


@public
def refer(request: HttpRequest) -> HttpResponse:
    """The public self-referral form (no account)."""
    if request.method == "POST":
        if too_large(request):  # also checked by the middleware, before the CSRF check
            return render(request, "patients/too_large.html", status=413)
        form = SelfReferralForm(request.POST)
        if form.is_bot():
            return render(request, "patients/thanks.html", {"referral": None})
        if not throttle.allow_submission(audit.client_address(request)):
            return render(request, "patients/too_many.html", status=429)
        emergency = form.emergency_flags()
        if emergency and not form.is_valid():
            # Safety first: the emergency page even if another answer is wrong; nothing is stored.
            return render(request, "patients/emergency.html", {"referral": None})
        if form.is_valid():
            data = form.cleaned_data
            referral = services.submit_self_referral(
                services.Details(
                    first_name=data["first_name"].strip(),
                    last_name=data["last_name"].strip(),
                    date_of_birth=data["date_of_birth"],
                    postal_code=data["postal_code"],
                    phone=data["phone"],
                    email=data["email"],
                    description=data["description"],
                    back_pain_main_reason=data["back_pain_main_reason"],
                    language=(get_language() or "en")[:2],
                    consent_messages=data["consent_messages"],
                ),
                red_flag_codes=form.red_flags(),
                actor=audit.actor(request),
            )
            request.session[SESSION_KEY] = referral.pk
            if referral.outcome == SelfReferral.Outcome.EMERGENCY:
                return redirect("patients:emergency")
            return redirect("patients:refer_done")
        status = 400
    else:
        form = SelfReferralForm()
        status = 200
    return render(
        request,
        "patients/refer.html",
        {
            "form": form,
            "emergency_count": len(EMERGENCY_QUESTIONS),
            "urgent_count": len(URGENT_QUESTIONS),
        },
        status=status,
    )


def _own_referral(request: HttpRequest) -> SelfReferral | None:
    """The referral this browser just sent (the session says which): no reference is looked up."""
    pk = request.session.get(SESSION_KEY)
    return SelfReferral.objects.filter(pk=pk).first() if isinstance(pk, int) else None


@public
def emergency(request: HttpRequest) -> HttpResponse:
    return render(request, "patients/emergency.html", {"referral": _own_referral(request)})


@public
def refer_done(request: HttpRequest) -> HttpResponse:
    referral = _own_referral(request)
    if referral is None:
        return redirect("patients:refer")
    if referral.outcome == SelfReferral.Outcome.EMERGENCY:
        return redirect("patients:emergency")
    can_book = referral.outcome == SelfReferral.Outcome.CALLBACK and services.can_book_online(
        referral
    )
    return render(request, "patients/thanks.html", {"referral": referral, "can_book": can_book})


@require_POST
@public
def refer_book(request: HttpRequest) -> HttpResponse:
    """The booking step right after an eligible self-referral: a booking link, opened at once."""
    referral = _own_referral(request)
    if referral is None or referral.outcome != SelfReferral.Outcome.CALLBACK:
        return redirect("patients:refer_done")
    token = request.session.get(BOOKING_TOKEN_KEY)
    if not (isinstance(token, str) and booking.link_for(token) is not None):
        token = services.start_self_booking(
            referral,
            actor=audit.actor(request),
            url_for=lambda t: request.build_absolute_uri(reverse("patients:book", args=[t])),
        )
        request.session[BOOKING_TOKEN_KEY] = token
    return redirect("patients:book", token=token)


@role_required(Role.FRONT_DESK)
def worklist(request: AuthenticatedHttpRequest) -> HttpResponse:
    referrals = list(selectors.open_self_referrals())
    audit.record(request, audit.Action.VIEW, f"Self-referral worklist ({len(referrals)} open)")
    return render(
        request,
        "patients/worklist.html",
        {"referrals": referrals, "matched": selectors.recently_matched()},
    )


@role_required(Role.FRONT_DESK)
def worklist_item(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(SelfReferral, pk=pk)
    audit.record(request, audit.Action.VIEW, f"Self-referral {referral.reference}")
    return render(request, "patients/worklist_item.html", _item_context(referral))


def _item_context(referral: SelfReferral, error: str = "") -> dict[str, Any]:
    """The self-referral as the front desk reads it: red flags by their label in the reader's
    language, and the search that finds an existing record (name and birth date)."""
    return {
        "referral": referral,
        "query": f"{referral.last_name} {referral.date_of_birth:%Y-%m-%d}",
        "red_flags": [
            triage_labels.red_flag_label(code) if code in RED_FLAG_LABELS else code
            for code in referral.red_flags
        ],
        "error": error,
    }


@require_POST
@role_required(Role.FRONT_DESK)
def worklist_match(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(SelfReferral, pk=pk)
    patient_id = request.POST.get("patient", "")
    if not patient_id.isdigit():
        return render(
            request,
            "patients/worklist_item.html",
            _item_context(
                referral,
                gettext("Enter the patient's record number (from the search or the new record)."),
            ),
            status=400,
        )
    patient = access.patient_for(request, patient_id, what="Self-referral match")
    services.match_self_referral(referral, patient=patient, actor=audit.actor(request))
    return redirect("patients:worklist")
