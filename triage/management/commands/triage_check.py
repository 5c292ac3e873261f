"""`manage.py triage_check CASES.json`: run clinical validation cases through the triage rules.

The contract is section 7 of docs/clinical-rules.md: a JSON array of cases in, a JSON array of
results out (same order, exit 0); malformed input exits 2 with a message naming the case id and
field. The rules themselves live in triage/rules/; this command only reads, parses and prints.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from triage.rules import RulesInputError, evaluate, parse_cases

# Exit status for malformed input, fixed by the triage_check contract.
MALFORMED_INPUT = 2


class Command(BaseCommand):
    help = (
        "Evaluate a JSON array of triage cases and print a JSON array of results in the same "
        "order. Malformed input exits with status 2 naming the case id and field."
    )
    # Pure rules: no model, URL or database check can change the answer, so none is run.
    requires_system_checks: list[str] = []

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
            cases = parse_cases(data)
            results = [evaluate(case).to_dict() for case in cases]
        except RulesInputError as error:
            raise CommandError(str(error), returncode=MALFORMED_INPUT) from None
        self.stdout.write(json.dumps(results, indent=1))
