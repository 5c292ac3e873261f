"""Import postal-code coordinates: `manage.py import_postal_codes FILE.csv`.

The file has the header postal_code,latitude,longitude. Every row is checked first; if any row is
malformed nothing is imported and each problem is listed with its line number.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from referrals import postal_codes, services

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import postal codes (FSA or full code) with latitude and longitude from a CSV file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "file", type=Path, help="CSV with header postal_code,latitude,longitude"
        )

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                result = postal_codes.parse_csv(handle)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}: not UTF-8 text ({error.reason})") from None
        if not result.ok:
            shown = result.errors[:MAX_ERRORS_SHOWN]
            more = len(result.errors) - len(shown)
            message = "\n".join(shown) + (f"\n... and {more} more" if more else "")
            raise CommandError(
                f"{file}: {len(result.errors)} problem(s); nothing was imported.\n{message}"
            )
        count = services.import_postal_codes(result.rows)
        self.stdout.write(f"Imported {count} postal codes from {file}.")
