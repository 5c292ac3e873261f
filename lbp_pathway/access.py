"""Who may do what: the roles, their home pages, their navigation and the view guard, in one place."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


class Role(StrEnum):
    FRONT_DESK = "Front desk"
    PHYSIOTHERAPIST = "Physiotherapist"
    FAMILY_PHYSICIAN = "Family physician"
    MANAGER = "Manager"
    ADMINISTRATOR = "Administrator"


# Each role lands on its own home page (URL names).
HOME = {
    Role.FRONT_DESK: "intake:home",
    Role.PHYSIOTHERAPIST: "care_episodes:physio_home",
    Role.FAMILY_PHYSICIAN: "care_episodes:physician_home",
    Role.MANAGER: "dashboards:manager_home",
    Role.ADMINISTRATOR: "administration_home",
}

# Navigation per role: (label, URL name), only what the role may open. An entry whose page does not
# exist yet is left out of the menu (see context_processors.navigation).
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.FRONT_DESK: [
        ("Front desk", "intake:home"),
        ("Patients", "intake:patient_search"),
        ("Book", "intake:slot_search"),
        ("Referrals in", "intake:referral_worklist"),
        ("Waitlist", "intake:waitlist"),
        ("Day sheets", "intake:day_sheet"),
        ("Notifications", "reminders:inbox"),
    ],
    Role.PHYSIOTHERAPIST: [
        ("My patients", "care_episodes:physio_home"),
        ("Day sheet", "intake:day_sheet"),
        ("Referrals", "referrals:list"),
        ("Notifications", "reminders:inbox"),
    ],
    Role.FAMILY_PHYSICIAN: [
        ("Inbox", "care_episodes:physician_home"),
        ("Referrals", "referrals:list"),
        ("Notifications", "reminders:inbox"),
    ],
    Role.MANAGER: [
        ("Dashboard", "dashboards:manager_home"),
        ("Reminders", "reminders:outbox"),
    ],
    Role.ADMINISTRATOR: [
        ("Administration", "administration_home"),
        ("Users", "admin:index"),
        ("Audit log", "audit_log"),
    ],
}


def roles_of(user: Any) -> list[Role]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_lbp_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = [role for role in Role if role.value in names]
        user._lbp_roles = cached
    return cached


def has_role(user: Any, *roles: Role) -> bool:
    return any(role in roles for role in roles_of(user))


def role_required(*roles: Role) -> Callable:
    """Guard a view: anonymous users go to the login page, other roles get 403.

    The allowed roles are kept on the view (`allowed_roles`) so the access-matrix test can check that
    every URL declares who may open it.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        guarded.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return guarded

    return decorator


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view as open without login (login page, health check, patient questionnaire link)."""
    view.allowed_roles = "public"  # type: ignore[attr-defined]
    return view


def any_signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    return role_required(*Role)(view)
