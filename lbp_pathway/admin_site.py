"""Django's admin for administrators only: staff flag AND the Administrator role, signed in through
the app's own sign-in page (throttled, two-factor)."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext

from lbp_pathway.access import Role, has_role


class PathwayAdminSite(admin.AdminSite):
    site_header = "LBP Pathway administration"
    site_title = "LBP Pathway administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and has_role(user, Role.ADMINISTRATOR))

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in without the administrator role: refuse rather than loop via the sign-in page.
            raise PermissionDenied(gettext("Django's admin is for administrators."))
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
