"""The two PostgreSQL roles (SECURITY.md, "Two database roles").

The app (web, worker, beat) connects with DATABASE_URL as the runtime role, which owns nothing; only
`manage.py migrate` connects as the owner (DATABASE_OWNER_URL). Rather than a second database alias that
every data migration and post_migrate handler would have to name, the migrate process points its one
connection at the owner role before Django's migrate starts (`connect_as_owner`), the way Django's test
runner points it at the test database: everything in that process then runs as the owner.

What the runtime role may do is granted by `grant_runtime` (migration 0007, and again after every
`migrate`): read and write on ordinary tables, INSERT and SELECT only on the APPEND_ONLY tables (audit
log and its verifications, break-the-glass grants, triage decisions and phone screens, the change
history tables, the reminders' delivery log).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def switch_credentials(alias: str, to: dict[str, Any]) -> None:
    """Close `alias`'s connection and reopen it (on next use) with `to`'s role, host and port; the
    database name stays (so a test database stays the test database)."""
    connection = connections[alias]
    connection.close()
    for key in CREDENTIALS:
        if key in to:
            connection.settings_dict[key] = to[key]


def connect_as_owner() -> bool:
    """Make this process's default connection use the owner role, if one is configured."""
    owner = settings.DATABASE_OWNER
    if owner is None:
        return False
    switch_credentials(DEFAULT_DB_ALIAS, owner)
    return True


def runtime_role() -> str:
    """The role the app connects as, when it differs from the owner ('' with one role for all)."""
    role: str = settings.DATABASE_RUNTIME_ROLE
    owner = settings.DATABASE_OWNER
    if not role or owner is None or owner.get("USER") == role:
        return ""
    return role


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Tables the runtime role may only add to and read (with the columns it may set once, if any). The
# same tables have triggers that refuse UPDATE and DELETE for every role, the owner included; these
# grants keep the runtime role from switching those triggers off, truncating or dropping.
APPEND_ONLY: dict[str, tuple[str, ...]] = {
    "lbp_pathway_auditevent": (),
    "lbp_pathway_auditverification": (),
    # A grant is reviewed once by a privacy officer: only the review columns can be set.
    "lbp_pathway_emergencyaccess": ("reviewed_by_id", "reviewed_at", "review_note"),
    "triage_triagedecision": (),
    "triage_phonescreen": (),
    # Change history (django-pghistory event tables, SECURITY.md "Change history").
    "intake_patientchange": (),
    "intake_appointmentchange": (),
    "care_episodes_episodechange": (),
    "care_episodes_consultationnotechange": (),
    "referrals_referralchange": (),
    # What each channel accepted (reminders/models.py DeliveryLog).
    "reminders_deliverylog": (),
}


def grant_runtime_sql(role: str, existing_tables: set[str]) -> list[str]:
    """Read and write on every table and sequence the owner has made or will make; INSERT and SELECT
    only on the append-only tables that exist. Idempotent."""
    who = quote(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {who}",
    ]
    for table, updatable in APPEND_ONLY.items():
        if table not in existing_tables:
            continue
        statements += [
            f"REVOKE ALL ON {quote(table)} FROM {who}",
            f"GRANT SELECT, INSERT ON {quote(table)} TO {who}",
        ]
        if updatable:
            columns = ", ".join(quote(column) for column in updatable)
            statements.append(f"GRANT UPDATE ({columns}) ON {quote(table)} TO {who}")
    return statements


def grant_runtime(connection: BaseDatabaseWrapper) -> str:
    """Give the runtime role its privileges on `connection`'s database (run as the owner, by a
    migration and again after every `migrate`, so tables added later and a runtime role configured
    later get them too). Returns the role, or '' when there is only one role."""
    role = runtime_role()
    if not role:
        return ""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for statement in grant_runtime_sql(role, tables):
            cursor.execute(statement)
    return role
