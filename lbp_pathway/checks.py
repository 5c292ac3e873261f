"""System checks of the deployment's settings (`manage.py check --deploy`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.database, Tags.security, deploy=True)
def two_database_roles(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The app must not connect as the owner of the audit table (SECURITY.md, "Two database roles")."""
    owner = settings.DATABASE_OWNER
    if owner is None:
        return [
            Warning(
                "DATABASE_OWNER_URL is not set, so the app connects as the role that owns the tables "
                "and could truncate the audit log or switch its triggers off.",
                hint="Set DATABASE_URL to a runtime role that owns nothing and DATABASE_OWNER_URL to "
                "the owner (used by `manage.py migrate` only); see SECURITY.md.",
                id="lbp_pathway.W001",
            )
        ]
    if owner.get("USER") == settings.DATABASES["default"].get("USER"):
        return [
            Warning(
                "DATABASE_URL and DATABASE_OWNER_URL name the same role: the app owns its tables.",
                hint="Give DATABASE_URL a runtime role that owns nothing (SECURITY.md).",
                id="lbp_pathway.W002",
            )
        ]
    return []
