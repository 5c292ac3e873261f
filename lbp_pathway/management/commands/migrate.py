"""Django's migrate, connected as the owner role (DATABASE_OWNER_URL) when one is configured."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS

from lbp_pathway import db_roles


class Command(migrate.Command):
    help = (
        "Apply migrations as the owner role (DATABASE_OWNER_URL; SECURITY.md). The app's own role "
        "(DATABASE_URL) owns nothing and cannot change the schema."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["database"] == DEFAULT_DB_ALIAS:
            db_roles.connect_as_owner()
        super().handle(*args, **options)
