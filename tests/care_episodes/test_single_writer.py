"""Only care_episodes/lifecycle.py writes Episode fields and EpisodeEvent rows.

A structural test over the source of every app: an assignment to an episode's field, an Episode or
EpisodeEvent created or bulk-updated anywhere else fails here, naming the file and line.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWNER = ROOT / "care_episodes" / "lifecycle.py"
EPISODE_FIELDS = {
    "status",
    "source",
    "requested_on",
    "booked_on",
    "first_assessed_on",
    "discharged_on",
    "risk",
    "booking_hold",
    "physiotherapist",
    "physiotherapist_id",
    "site",
    "site_id",
    "patient",
    "patient_id",
}
MODELS = {"Episode", "EpisodeEvent"}


def app_sources():
    """Every module of the project's packages (a folder with __init__.py at the top), no migrations."""
    for package in sorted(p.parent for p in ROOT.glob("*/__init__.py")):
        if package.name in {"tests", "mutants"}:
            continue
        for path in sorted(package.rglob("*.py")):
            if "migrations" not in path.parts and path != OWNER:
                yield path


def _names_an_episode(node: ast.AST) -> bool:
    text = ast.unparse(node).lower()
    return "episode" in text and "event" not in text


def _writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr in EPISODE_FIELDS
                and _names_an_episode(target.value)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} sets {ast.unparse(target)}")
        if isinstance(node, ast.Call):
            func = node.func
            call = ast.unparse(func)
            if isinstance(func, ast.Name) and func.id in MODELS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} builds {call}(...)")
            if isinstance(func, ast.Attribute) and func.attr in {
                "create",
                "bulk_create",
                "get_or_create",
                "update_or_create",
                "update",
                "bulk_update",
            }:
                receiver = ast.unparse(func.value)
                if any(f"{model}.objects" in receiver for model in MODELS) or (
                    func.attr != "create" and receiver.startswith("Episode.")
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {call}(...)")
    return found


def test_no_module_but_lifecycle_writes_an_episode_or_its_events():
    writes = [line for path in app_sources() for line in _writes(path)]
    assert writes == [], "write through care_episodes/lifecycle.py instead:\n" + "\n".join(writes)


def test_the_scan_sees_a_write_when_there_is_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(episode, patient):\n"
        "    episode.first_assessed_on = None\n"
        "    EpisodeEvent.objects.create(episode=episode)\n"
        "    Episode.objects.filter(patient=patient).update(risk='high')\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_writes(sample)) == 3
    finally:
        ROOT = saved
