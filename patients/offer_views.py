"""The waitlist offer page (/p/offer/<token>/): a freed slot offered to a waitlisted patient, who
takes it or says no. The page shows the first name and the offered time, nothing else; every read and
write is audited under the offer. Token pages are never cached."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from intake import offers as intake_offers
from intake.models import WaitlistOffer
from lbp_pathway import audit
from lbp_pathway.access import public
from lbp_pathway.languages import speak_to_patient
from patients import booking, offers
from patients.offers import OfferRefused


def _closed(
    request: HttpRequest, offer: WaitlistOffer, message: str, status: int = 410
) -> HttpResponse:
    return render(
        request,
        "patients/offer_closed.html",
        {"first_name": offer.patient.first_name, "offer": offer, "message": message},
        status=status,
    )


@never_cache
@public
def offer(request: HttpRequest, token: str) -> HttpResponse:
    found = intake_offers.offer_for(token)
    if found is None:
        return render(
            request,
            "patients/book_refused.html",
            {"message": offers.UNKNOWN_MESSAGE},
            status=404,
        )
    speak_to_patient(request, found.patient.language_code)
    actor = offers.patient_actor(found, audit.client_address(request))
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "decline":
            answered = offers.decline_offer(found, actor=actor)
            status = 200 if answered.status == WaitlistOffer.Status.DECLINED else 409
            return _closed(request, answered, offers.message_for(answered), status)
        if action != "accept":
            return _closed(request, found, str(offers.CLOSED_MESSAGE), 400)
        try:
            answered, booking_token = offers.accept_offer(
                found,
                actor=actor,
                url_for=lambda t: booking.Urls(
                    page=request.build_absolute_uri(reverse("patients:book", args=[t])),
                    calendar=request.build_absolute_uri(
                        reverse("patients:book_calendar", args=[t])
                    ),
                ),
            )
        except OfferRefused as refused:
            return _closed(request, found, str(refused), 409)
        if booking_token:
            return redirect("patients:book_done", token=booking_token)
        return _closed(request, answered, offers.message_for(answered), 409)
    found = intake_offers.refresh(found)
    audit.record(actor, audit.Action.VIEW, "Waitlist offer page", patient=found.patient)
    if found.status != WaitlistOffer.Status.OFFERED:
        ok = found.status in (WaitlistOffer.Status.ACCEPTED, WaitlistOffer.Status.DECLINED)
        return _closed(request, found, offers.message_for(found), 200 if ok else 410)
    return render(
        request,
        "patients/offer.html",
        {"token": token, "first_name": found.patient.first_name, "offer": found},
    )
