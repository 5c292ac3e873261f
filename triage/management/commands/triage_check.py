"""`manage.py triage_check CASES.json`: run clinical validation cases through the triage rules.

The contract is section 7 of docs/clinical-rules.md: a JSON array of cases in, a JSON array of
results out (same order, exit 0); malformed input exits 2 with a message naming the case id and
field. The rules themselves live in triage/rules/; this command only reads, parses and prints.
"""

from __future__ import annotations

from typing import Any

from lbp_pathway.case_check import CaseCheckCommand
from triage.rules import RulesInputError, evaluate, parse_cases


class Command(CaseCheckCommand):
    help = (
        "Evaluate a JSON array of triage cases and print a JSON array of results in the same "
        "order. Malformed input exits with status 2 naming the case id and field."
    )
    input_error = RulesInputError

    def results(self, data: Any) -> list[Any]:
        return [evaluate(case).to_dict() for case in parse_cases(data)]
