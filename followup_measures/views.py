"""The patient's questionnaire page: no sign-in, the first name only, nothing else about them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from followup_measures import selectors, services
from followup_measures.forms import OutcomeQuestionnaireForm
from lbp_pathway import audit
from lbp_pathway.access import public
from lbp_pathway.languages import speak_to_patient

UNAVAILABLE = "followup_measures/unavailable.html"


@public
@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invite = services.invite_for(token)
    if invite is None or not invite.usable:
        reason = "unknown" if invite is None else ("used" if invite.used_at else "expired")
        return render(request, UNAVAILABLE, {"reason": reason}, status=410)
    speak_to_patient(request, invite.episode.patient.language_code)
    ask_grc = invite.timepoint != "baseline"
    wording = selectors.rmdq_wording()
    form = OutcomeQuestionnaireForm(
        request.POST if request.method == "POST" else None,
        rmdq_wording=wording,
        ask_grc=ask_grc,
        # The ODI is licensed: asked only where the clinic enabled it (as on the physio's form).
        ask_odi=bool(getattr(settings, "ODI_ENABLED", False)),
        odi_wording=selectors.odi_wording(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_answers(token, form.answers(), actor=audit.actor(request))
        except services.LinkUnavailable:
            return render(request, UNAVAILABLE, {"reason": "used"}, status=410)
        return render(request, "followup_measures/thanks.html")
    return render(
        request,
        "followup_measures/answer.html",
        {"form": form, "first_name": invite.episode.patient.first_name, "official": bool(wording)},
    )
