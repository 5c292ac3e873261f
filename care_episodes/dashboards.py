from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lbp_pathway.access import Role, role_required


@role_required(Role.MANAGER)
def manager_home(request: HttpRequest) -> HttpResponse:
    return render(request, "care_episodes/manager_home.html")
