"""Self-booking pages (/p/book/<token>/) and the front desk's "Send a booking link" button.

The pages show the patient's first name and their own visit, nothing else; every read and write is
audited under the link. Token pages are never cached."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from intake.services import BookingRefused, SlotTaken
from lbp_pathway import access, audit
from lbp_pathway.access import Role, public, role_required
from lbp_pathway.http import AuthenticatedHttpRequest
from lbp_pathway.languages import speak_to_patient
from patients import booking
from patients.booking import LinkRefused, LinkState
from patients.booking_models import BookingLink
from patients.models import SelfReferral
from reminders import calendar

GONE = {LinkState.UNKNOWN: 404, LinkState.EXPIRED: 410, LinkState.CLOSED: 410}


def _urls(request: HttpRequest, token: str) -> booking.Urls:
    return booking.Urls(
        page=request.build_absolute_uri(reverse("patients:book", args=[token])),
        calendar=request.build_absolute_uri(reverse("patients:book_calendar", args=[token])),
    )


def _actor(request: HttpRequest, link: BookingLink) -> audit.Actor:
    return booking.patient_actor(link, "/p/book/…", audit.client_address(request))


def _choice(request: HttpRequest) -> booking.Choice | None:
    try:
        start = datetime.fromisoformat(request.POST.get("start", ""))
        choice = booking.Choice(
            practitioner_id=int(request.POST.get("practitioner", "")),
            site_id=int(request.POST.get("site", "")),
            start=start,
        )
    except ValueError:
        return None
    return choice if start.tzinfo is not None else None


def _page(
    request: HttpRequest,
    token: str,
    link: BookingLink | None,
    *,
    error: str = "",
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    now = timezone.now()
    state = booking.state_of(link, now=now)
    if link is None or state in GONE:
        return render(
            request,
            "patients/book_refused.html",
            {"message": booking.REFUSALS[state]},
            status=GONE.get(state, status),
        )
    context: dict[str, Any] = {
        "token": token,
        "first_name": link.patient.first_name,
        "state": state.value,
        "appointment": link.appointment if state is not LinkState.OPEN else None,
        "cutoff": booking.cutoff(link.appointment) if link.appointment else None,
        "error": error,
        **(extra or {}),
    }
    if state in (LinkState.OPEN, LinkState.BOOKED):
        try:
            context["sites"] = booking.slots_nearest_first(link.patient, now=now)
        except LinkRefused as refused:
            context["error"] = context["error"] or str(refused)
            context["sites"] = []
    audit.record(
        _actor(request, link), audit.Action.VIEW, "Self-booking page", patient=link.patient
    )
    return render(request, "patients/book.html", context, status=status)


@never_cache
@public
def book(request: HttpRequest, token: str) -> HttpResponse:
    link = booking.link_for(token)
    if link is not None:
        speak_to_patient(request, link.patient.language_code)
    if request.method != "POST" or link is None:
        return _page(request, token, link)
    action = request.POST.get("action", "")
    actor = _actor(request, link)
    try:
        if action == "cancel":
            booking.cancel_with_link(link, actor=actor)
            return redirect("patients:book_cancelled", token=token)
        choice = _choice(request)
        if choice is None:
            return _page(request, token, link, error=str(booking.REFUSALS_BAD_CHOICE), status=400)
        if action == "reschedule":
            booking.reschedule_with_link(link, choice, urls=_urls(request, token), actor=actor)
        else:
            booking.book_with_link(link, choice, urls=_urls(request, token), actor=actor)
    except SlotTaken:
        return _page(request, token, link, error=str(booking.TAKEN_MESSAGE), status=409)
    except LinkRefused as refused:
        link.refresh_from_db()
        return _page(request, token, link, error=str(refused), status=409)
    except BookingRefused:
        # The staff wording (a hold names its clinical reason) never reaches the patient's page.
        return _page(request, token, link, error=str(booking.NOT_ONLINE_MESSAGE), status=409)
    return redirect("patients:book_done", token=token)


@never_cache
@public
def book_done(request: HttpRequest, token: str) -> HttpResponse:
    link = booking.link_for(token)
    if link is not None:
        speak_to_patient(request, link.patient.language_code)
    state = booking.state_of(link)
    if link is None or state not in (LinkState.BOOKED, LinkState.LOCKED):
        return _page(request, token, link)
    audit.record(
        _actor(request, link), audit.Action.VIEW, "Self-booking confirmation", patient=link.patient
    )
    return render(
        request,
        "patients/book_done.html",
        {
            "token": token,
            "first_name": link.patient.first_name,
            "appointment": link.appointment,
            "cutoff": booking.cutoff(link.appointment) if link.appointment else None,
        },
    )


@never_cache
@public
def book_cancelled(request: HttpRequest, token: str) -> HttpResponse:
    link = booking.link_for(token)
    if link is not None:
        speak_to_patient(request, link.patient.language_code)
    if link is None or link.closed_at is None:
        return _page(request, token, link)
    return render(request, "patients/book_cancelled.html", {"first_name": link.patient.first_name})


@never_cache
@public
def book_calendar(request: HttpRequest, token: str) -> HttpResponse:
    link = booking.link_for(token)
    state = booking.state_of(link)
    if (
        link is None
        or link.appointment is None
        or state not in (LinkState.BOOKED, LinkState.LOCKED)
    ):
        return _page(request, token, link)
    appointment = link.appointment
    text = calendar.ics(
        calendar.CalendarEvent(
            uid=f"appointment-{appointment.pk}@lbp-pathway",
            start=appointment.start,
            end=appointment.end,
            summary=str(booking.CALENDAR_SUMMARY) + " " + appointment.site.name,
            location=", ".join(v for v in (appointment.site.name, appointment.site.address) if v),
            url=_urls(request, token).page,
        ),
        now=timezone.now(),
    )
    audit.record(
        _actor(request, link), audit.Action.VIEW, "Self-booking calendar file", patient=link.patient
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@require_POST
@role_required(Role.FRONT_DESK)
def send_booking_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    patient = access.patient_for(request, pk, what="Send a booking link")
    # From the self-referral worklist: only an eligible referral matched to this very patient counts.
    referral_id = request.POST.get("self_referral", "")
    referral = (
        SelfReferral.objects.filter(
            pk=int(referral_id), matched_patient=patient, outcome=SelfReferral.Outcome.CALLBACK
        ).first()
        if referral_id.isdigit()
        else None
    )
    booking.issue_booking_link(
        patient=patient,
        actor=audit.actor(request),
        self_referral_id=referral.pk if referral else None,
        url_for=lambda token: request.build_absolute_uri(reverse("patients:book", args=[token])),
    )
    if (
        patient.consent_sms_reminders
        and patient.phone
        or patient.consent_email_reminders
        and patient.email
    ):
        messages.success(request, f"A booking link is on its way to {patient.first_name}.")
    else:
        messages.warning(
            request,
            f"{patient.first_name} has not agreed to messages by email or SMS: the link was made "
            "but cannot be sent. Record their consent, then send a new link.",
        )
    return redirect("intake:patient_detail", patient_id=patient.pk)
