from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from lbp_pathway.access import NAVIGATION, ROLE_LABELS, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu of the signed-in user's roles: (label, URL, URL name), in the active language."""
    roles = roles_of(request.user) if hasattr(request, "user") else []
    items: list[tuple[str, str, str]] = []
    for role in roles:
        for label, url_name in NAVIGATION[role]:
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue  # that page is not built yet
            if all(url != seen for _, seen, _ in items):
                items.append((str(label), url, url_name))
    return {"nav_items": items, "user_roles": [str(ROLE_LABELS[role]) for role in roles]}


def session_timeout(request: HttpRequest) -> dict[str, Any]:
    """Seconds of inactivity before sign-out, for the idle warning (static/js/session.js)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60}
