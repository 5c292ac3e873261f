"""The rule version and the input error every triage rule module shares.

Plain Python, no Django imports (see triage/rules/__init__.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

# Change this whenever any rule below changes (a threshold, a code, the order of reasons): decisions
# store it, so a changed rule under an unchanged version would make old decisions unexplainable.
RULE_VERSION: Final = "2026.11.1"


def gettext_noop(message: str) -> str:
    """Marks an English label for the French catalogue (tools/messages.py finds the name) and
    returns it unchanged: the rules keep codes and English, the screens translate the label when they
    show it (triage/labels.py), so a decision is the same in every language."""
    return message


class RulesInputError(ValueError):
    """Input the rules cannot judge: names the case (when known) and the field at fault."""

    def __init__(
        self, case_id: str | None, field: str, message: str, *, index: int | None = None
    ) -> None:
        self.case_id = case_id
        self.field = field
        self.message = message
        self.index = index
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.case_id is not None:
            where = f"case {self.case_id!r}"
        elif self.index is not None:
            where = f"case at index {self.index} (no valid id)"
        else:
            where = "input"
        return f"{where}: field {self.field!r}: {self.message}"

    def for_case(self, case_id: str | None, index: int | None = None) -> RulesInputError:
        """The same error, attributed to a case when it was raised without one."""
        return RulesInputError(
            self.case_id if self.case_id is not None else case_id,
            self.field,
            self.message,
            index=self.index if self.index is not None else index,
        )


class CaseSetError(RulesInputError):
    """Several malformed cases in one case set: one error per case, in input order."""

    def __init__(self, errors: Sequence[RulesInputError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0]
        super().__init__(first.case_id, first.field, first.message, index=first.index)

    def __str__(self) -> str:
        return "\n".join(RulesInputError.__str__(error) for error in self.errors)
