"""The floors (STYLE.md): `make lint` runs import-linter with the contracts in pyproject.toml.
These tests run it on the code as it is, and on a copy with an import that points up."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = [
    "lbp_pathway",
    "reminders",
    "care_episodes",
    "intake",
    "triage",
    "referrals",
    "followup_measures",
    "reporting",
    "fhir_api",
    "patients",
]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    for app in [*APPS, "demo"]:
        shutil.copytree(
            ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "templates")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")


def test_the_code_keeps_its_floors():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "message"),
    [
        (
            "reminders/services/scheduling.py",
            "from referrals import models",
            "reminders is not allowed to import referrals",
        ),
        (
            "lbp_pathway/access.py",
            "from intake.models import Patient",
            "lbp_pathway is not allowed to import intake",
        ),
        (
            "intake/selectors.py",
            "from care_episodes import selectors",
            "intake is not allowed to import care_episodes",
        ),
        (
            "care_episodes/lifecycle.py",
            "from care_episodes import services",
            "care_episodes.lifecycle is not allowed to import care_episodes.services",
        ),
        (
            "referrals/models.py",
            "from reporting import queries",
            "referrals is not allowed to import reporting",
        ),
    ],
)
def test_an_import_that_points_up_breaks_the_lint(tmp_path, module, line, message):
    root = copy_of_the_code(tmp_path)
    add_import(root / module, line)
    result = lint_imports(root)
    assert result.returncode != 0
    assert message in " ".join(result.stdout.split()), result.stdout


def test_the_episode_core_contract_names_every_care_module():
    """care_episodes is two floors; the contract lists the care modules the core may not import."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (core,) = [c for c in config["contracts"] if c["type"] == "forbidden"]
    assert core["source_modules"] == ["care_episodes.models", "care_episodes.lifecycle"]
    listed = {m for m in core["forbidden_modules"] if m.startswith("care_episodes.")}
    package = ROOT / "care_episodes"
    modules = {p.stem for p in package.glob("*.py")} | {
        p.parent.name for p in package.glob("*/__init__.py")
    }
    care = modules - {"__init__", "apps", "models", "lifecycle", "migrations"}
    assert listed == {f"care_episodes.{name}" for name in care}
