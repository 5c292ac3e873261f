"""`make lint` type-checks every app with mypy (django-stubs): a wrong type fails it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MYPY = Path(sys.executable).parent / "mypy"


def lint_recipe() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe is not None
    return [line.strip() for line in recipe.group(1).splitlines()]


def test_make_lint_runs_ruff_import_linter_and_mypy():
    assert lint_recipe() == [
        "$(BIN)/ruff check .",
        "$(BIN)/ruff format --check .",
        "$(BIN)/lint-imports",
        "$(BIN)/mypy",
        "$(BIN)/python tools/messages.py --check",
    ]


def test_mypy_refuses_a_wrong_type_under_the_projects_configuration(tmp_path):
    module = tmp_path / "wrong_type.py"
    module.write_text("from triage import rules\n\nversion: int = rules.RULE_VERSION\n")
    result = subprocess.run(
        [str(MYPY), "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Incompatible types in assignment (expression has type "str"' in result.stdout
