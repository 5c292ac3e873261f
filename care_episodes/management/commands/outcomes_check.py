"""`manage.py outcomes_check CASES.json`: run outcome-scoring validation cases through the rules.

The contract is section 8 of docs/clinical-rules.md: a JSON array of score, change and schedule cases
in, a JSON array of results out (same order, exit 0); malformed input exits 2 with a message naming
the case id and the field. The rules live in care_episodes/outcomes.py; this command only reads,
parses and prints.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from care_episodes.outcomes import CaseSetError, evaluate, parse_cases

# Exit status for malformed input, fixed by the outcomes_check contract.
MALFORMED_INPUT = 2


class Command(BaseCommand):
    help = (
        "Evaluate a JSON array of outcome cases (score, change, schedule) and print a JSON array of "
        "results in the same order. Malformed input exits with status 2 naming the case id and field."
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
        except CaseSetError as error:
            raise CommandError(str(error), returncode=MALFORMED_INPUT) from None
        self.stdout.write(json.dumps([evaluate(case) for case in cases], indent=1))
