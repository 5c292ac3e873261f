from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lbp_pathway.access import Role, role_required


@role_required(Role.PHYSIOTHERAPIST)
def physio_home(request: HttpRequest) -> HttpResponse:
    return render(request, "care_episodes/physio_home.html")


@role_required(Role.FAMILY_PHYSICIAN)
def physician_home(request: HttpRequest) -> HttpResponse:
    return render(request, "care_episodes/physician_home.html")
