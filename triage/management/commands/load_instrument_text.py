"""`manage.py load_instrument_text [--instrument start_back|rmdq] [--language en|fr] FILE`: load
licensed wording in one language.

Keele University owns the wording; a clinic that holds it under Keele's terms (non-commercial use,
wording unchanged, with the copyright notice) keeps it in a JSON file:
{"items": [9 texts], "item9_options": [5 texts], "copyright_notice": "..."}. The triage form and
the patient questionnaire then show it, with the notice under the form. `--instrument rmdq` loads the
clinic's licensed RMDQ wording ({"items": [24 texts], "copyright_notice": "..."}), shown on the outcome
form's RMDQ statements.

`--language fr` loads the French wording (e.g. Keele's approved French STarT Back) beside the
English one: each form shows the wording in the page's language (the patient's for the patient
questionnaire), and our labelled paraphrase in a language with none loaded. Loading a language
again replaces only that language. The files stay with the clinic: never commit them.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from triage.instrument import (
    InstrumentTextError,
    parse_instrument_text,
    parse_odi_text,
    parse_rmdq_text,
)
from triage.models import InstrumentText


class Command(BaseCommand):
    help = (
        "Load licensed questionnaire wording: STarT Back (items 1-9, item 9 options, copyright "
        "notice) or, with --instrument rmdq, the RMDQ's 24 statements."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="JSON file with the official wording")
        parser.add_argument(
            "--instrument", choices=["start_back", "rmdq", "odi"], default="start_back"
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default="en",
            help="the language of the wording in FILE (default en)",
        )

    def handle(
        self,
        *args: Any,
        file: str,
        instrument: str = "start_back",
        language: str = "en",
        **options: Any,
    ) -> None:
        if language not in {code for code, _name in settings.LANGUAGES}:
            raise CommandError(f"unknown language {language!r}. Nothing was loaded.")
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from None
        parse = {"rmdq": parse_rmdq_text, "odi": parse_odi_text}.get(
            instrument, parse_instrument_text
        )
        try:
            wording = parse(data)
        except InstrumentTextError as error:
            raise CommandError(f"{file}: {error}. Nothing was loaded.") from None
        InstrumentText.objects.update_or_create(
            instrument=instrument,
            language=language,
            defaults={
                "items": list(wording.items),
                "item9_options": list(wording.item9_options),
                "copyright_notice": wording.copyright_notice,
                "loaded_at": timezone.now(),
            },
        )
        name = {"rmdq": "RMDQ", "odi": "ODI"}.get(instrument, "STarT Back")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the official {name} wording in {language} ({len(wording.items)} items)."
            )
        )
