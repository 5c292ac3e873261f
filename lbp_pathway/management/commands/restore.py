"""`manage.py restore ARCHIVE`: put a backup back into an empty database (lbp_pathway/backups.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbp_pathway import backups


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup`: every checksum is checked first, the "
        "database must have no tables (unless --force), the restore runs in one transaction, and the "
        "row counts are compared with the backup's. Connects as the owner (DATABASE_OWNER_URL) when "
        "one is configured."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="an lbp-backup-*.tar file")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore into a database that already has tables (they are replaced)",
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="restore into this database instead of the app's (e.g. a scratch database to "
            "test a backup); the uploaded files still go to MEDIA_ROOT",
        )

    def handle(
        self, *args: Any, archive: Path, force: bool, database_url: str, **options: Any
    ) -> None:
        try:
            target = backups.Database.from_url(database_url) if database_url else None
            restored = backups.restore_backup(archive, database=target, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive}: {restored.tables} tables, {restored.rows:,} rows (the counts "
                f"match the backup's), {restored.files} uploaded files."
            )
        )
