"""`manage.py backup [--to DIR]`: one archive of the database and the uploaded files (lbp_pathway/backups.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbp_pathway import backups


class Command(BaseCommand):
    help = (
        "Write a timestamped archive (lbp-backup-<UTC time>.tar): pg_dump's custom format of the "
        "database, every uploaded file, and a manifest with checksums and row counts. Restore it with "
        "`manage.py restore ARCHIVE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            help="folder for the archive (default: BACKUP_DIR, else .devdata/backups)",
        )

    def handle(self, *args: Any, to: Path | None, **options: Any) -> None:
        folder = to or Path(settings.BACKUP_DIR or Path(settings.BASE_DIR) / ".devdata" / "backups")
        try:
            archive = backups.create_backup(folder.resolve())
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        verified = backups.verify_archive(archive)
        rows = sum(verified.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {archive} ({archive.stat().st_size:,} bytes; "
                f"{len(verified.tables)} tables, {rows:,} rows, {len(verified.media)} uploaded "
                "files). It holds patient records: keep it where only the operators can read it."
            )
        )
