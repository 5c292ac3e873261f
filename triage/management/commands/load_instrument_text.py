"""`manage.py load_instrument_text FILE`: load Keele's official STarT Back wording.

Keele University owns the wording; a clinic that holds it under Keele's terms (non-commercial use,
wording unchanged, with the copyright notice) keeps it in a JSON file:
{"items": [9 texts], "item9_options": [5 texts], "copyright_notice": "..."}. The triage form and
the patient questionnaire then show it, with the notice under the form.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from triage.instrument import InstrumentTextError, parse_instrument_text
from triage.models import InstrumentText


class Command(BaseCommand):
    help = "Load the official STarT Back wording (items 1-9, item 9 options, copyright notice)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="JSON file with the official wording")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from None
        try:
            wording = parse_instrument_text(data)
        except InstrumentTextError as error:
            raise CommandError(f"{file}: {error}. Nothing was loaded.") from None
        InstrumentText.objects.update_or_create(
            instrument="start_back",
            defaults={
                "items": list(wording.items),
                "item9_options": list(wording.item9_options),
                "copyright_notice": wording.copyright_notice,
                "loaded_at": timezone.now(),
            },
        )
        self.stdout.write(self.style.SUCCESS("Loaded the official STarT Back wording (9 items)."))
