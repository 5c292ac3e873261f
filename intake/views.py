from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lbp_pathway.access import Role, role_required


@role_required(Role.FRONT_DESK)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/home.html")
