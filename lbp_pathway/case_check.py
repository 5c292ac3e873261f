"""What `triage_check` and `outcomes_check` share: read a JSON array of validation cases from a file
(or `-` for standard input), hand it to the rules, print a JSON array of results in the same order.
Malformed input, as each contract says, exits with status 2 and a message naming the case and field."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

# Exit status for malformed input, fixed by both contracts (docs/clinical-rules.md).
MALFORMED_INPUT = 2


class CaseCheckCommand(BaseCommand):
    """Subclasses set `input_error` (the rules' exception for malformed cases) and `results`."""

    input_error: type[Exception] = ValueError
    # Pure rules: no model, URL or database check can change the answer, so none is run.
    requires_system_checks: list[str] = []

    def results(self, data: Any) -> list[Any]:
        raise NotImplementedError

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "cases_file", metavar="CASES.json", help="JSON array of cases ('-' reads stdin)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["cases_file"]
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as cases_file:
                    text = cases_file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}", returncode=MALFORMED_INPUT) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{path} is not valid JSON: {error}", returncode=MALFORMED_INPUT
            ) from None
        try:
            results = self.results(data)
        except self.input_error as error:
            raise CommandError(str(error), returncode=MALFORMED_INPUT) from None
        self.stdout.write(json.dumps(results, indent=1))
