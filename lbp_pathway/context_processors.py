from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from lbp_pathway.access import NAVIGATION, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    roles = roles_of(request.user) if hasattr(request, "user") else []
    items: list[tuple[str, str]] = []
    for role in roles:
        for label, url_name in NAVIGATION[role]:
            try:
                item = (label, reverse(url_name))
            except NoReverseMatch:
                continue  # that page is not built yet
            if item not in items:
                items.append(item)
    return {"nav_items": items, "user_roles": [role.value for role in roles]}


def session_timeout(request: HttpRequest) -> dict[str, Any]:
    """Seconds of inactivity before sign-out, for the idle warning (static/js/session.js)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60}
