"""`manage.py audit_verify`: recompute the audit log's hash chain; exit status 1 where it breaks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbp_pathway import audit_chain
from lbp_pathway.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain and report the first row where it breaks (a deleted, "
        "edited or back-dated row); exit status 1 on a break. The result is kept for the "
        "administrator's audit page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--table",
            default=AuditEvent._meta.db_table,
            help="verify a copy of the audit table instead (e.g. one restored from a backup); "
            "the result of a copy is printed, not kept",
        )

    def handle(self, *args: Any, table: str, **options: Any) -> None:
        report = audit_chain.verify(table)
        if table == AuditEvent._meta.db_table:
            audit_chain.record(report, by="manage.py audit_verify")
        if report.last_seq is not None:
            self.stdout.write(
                f"Checked {report.rows_checked} rows of {table}; the last intact row is "
                f"{report.last_seq} (hash {report.last_hash})."
            )
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at row {report.first_break_seq}: {report.message}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain {report.message[0].lower()}{report.message[1:]}")
        )
