"""`manage.py outcomes_check CASES.json`: run outcome-scoring validation cases through the rules.

The contract is section 8 of docs/clinical-rules.md: a JSON array of score, change and schedule cases
in, a JSON array of results out (same order, exit 0); malformed input exits 2 with a message naming
the case id and the field. The rules live in care_episodes/outcomes.py; this command only reads,
parses and prints.
"""

from __future__ import annotations

from typing import Any

from care_episodes.outcomes import CaseSetError, evaluate, parse_cases
from lbp_pathway.case_check import CaseCheckCommand


class Command(CaseCheckCommand):
    help = (
        "Evaluate a JSON array of outcome cases (score, change, schedule) and print a JSON array of "
        "results in the same order. Malformed input exits with status 2 naming the case id and field."
    )
    input_error = CaseSetError

    def results(self, data: Any) -> list[Any]:
        return [evaluate(case) for case in parse_cases(data)]
