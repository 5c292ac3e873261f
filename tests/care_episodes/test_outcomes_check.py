"""The `outcomes_check` management command: section 8's outcome scoring validation contract.

The twelve worked examples are the project's own copy (outcome-examples.json beside this file) of the
clinical lead's public set; the error tests follow section 8 (malformed input: exit 2 naming the case id
and the field).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from tests.care_episodes.test_outcomes_check_spec import MALFORMED, NOT_SCORABLE

EXAMPLES_PATH = Path(__file__).with_name("outcome-examples.json")
EXAMPLES: list[dict[str, Any]] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
CASES = [example["case"] for example in EXAMPLES]


def write_cases(tmp_path: Path, cases: object) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    return path


def run_outcomes_check(path: Path) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("outcomes_check", str(path), stdout=out)
    return json.loads(out.getvalue())


def check(tmp_path: Path, *cases: dict[str, Any]) -> list[dict[str, Any]]:
    return run_outcomes_check(write_cases(tmp_path, list(cases)))


def rejection(path: Path) -> CommandError:
    with pytest.raises(CommandError) as raised:
        call_command("outcomes_check", str(path), stdout=io.StringIO())
    return raised.value


def test_the_twelve_examples_reproduce_exactly_in_order(tmp_path: Path) -> None:
    results = run_outcomes_check(write_cases(tmp_path, CASES))
    assert len(EXAMPLES) == 12
    assert results == [example["expected"] for example in EXAMPLES]


def test_example_scores_are_within_the_contracts_tolerance(tmp_path: Path) -> None:
    # Section 8 compares scores within 0.05: ODI 40/90 x 100 and PSFS 13/3 are not rounded to 44.4/4.3.
    results = {r["id"]: r for r in run_outcomes_check(write_cases(tmp_path, CASES))}
    assert results["X02"]["score"] == pytest.approx(400 / 9, abs=1e-9)
    assert results["X04"]["score"] == pytest.approx(13 / 3, abs=1e-9)


def test_results_follow_the_input_order(tmp_path: Path) -> None:
    cases = list(reversed(CASES))
    results = run_outcomes_check(write_cases(tmp_path, cases))
    assert [result["id"] for result in results] == [case["id"] for case in cases]


def test_empty_case_set_gives_an_empty_array(tmp_path: Path) -> None:
    assert run_outcomes_check(write_cases(tmp_path, [])) == []


@pytest.mark.parametrize(("instrument", "answers"), NOT_SCORABLE, ids=repr)
def test_answers_of_the_wrong_type_or_range_score_null(tmp_path, instrument, answers) -> None:
    case = {"id": "s1", "kind": "score", "instrument": instrument, "answers": answers}
    assert check(tmp_path, case) == [
        {"id": "s1", "kind": "score", "instrument": instrument, "score": None}
    ]


SCORABLE = [
    ("nprs", {"value": 0}, 0),
    ("nprs", {"value": 10}, 10),
    ("nprs", {"value": 7.0}, 7),  # JSON does not tell 7.0 from 7
    ("rmdq", {"total": 0}, 0),
    ("rmdq", {"total": 24}, 24),
    ("rmdq", {"items": [True] * 24}, 24),
    ("psfs", {"activities": [0, 0, 0]}, 0),
    ("psfs", {"activities": [10, 10, 10, 10, 10]}, 10),
    ("psfs", {"activities": [2.5, 3, 4]}, 9.5 / 3),
    ("odi", {"sections": [5] * 8 + [None, None]}, 100),
    ("odi", {"sections": [1] * 10}, 20),
    ("grc", {"value": -7}, -7),
    ("grc", {"value": 7}, 7),
]


@pytest.mark.parametrize(("instrument", "answers", "score"), SCORABLE, ids=repr)
def test_answers_in_range_are_scored(tmp_path, instrument, answers, score) -> None:
    case = {"id": "s1", "kind": "score", "instrument": instrument, "answers": answers}
    [result] = check(tmp_path, case)
    assert result["score"] == pytest.approx(score, abs=1e-9)


def test_grc_has_no_change_direction(tmp_path: Path) -> None:
    case = {"id": "g", "kind": "change", "instrument": "grc", "baseline": -3, "current": 6}
    assert check(tmp_path, case) == [
        {"id": "g", "kind": "change", "instrument": "grc", "direction": None}
    ]


def test_a_schedule_without_discharged_on_is_not_discharged(tmp_path: Path) -> None:
    [with_null] = check(tmp_path, CASES[10])
    case = {key: value for key, value in CASES[10].items() if key != "discharged_on"}
    assert check(tmp_path, case) == [with_null]


@pytest.mark.parametrize(("case", "field"), MALFORMED, ids=repr)
def test_malformed_case_exits_2_naming_the_case_and_field(tmp_path, case, field) -> None:
    error = rejection(write_cases(tmp_path, [CASES[0], case]))
    assert error.returncode == 2
    assert f"case 'm': field {field!r}" in str(error)
    assert "X01" not in str(error)


def test_every_malformed_case_is_named(tmp_path: Path) -> None:
    first = dict(CASES[10], baseline_on="2026-13-01")
    second = dict(CASES[5], instrument="eq5d")
    error = rejection(write_cases(tmp_path, [first, CASES[2], second]))
    assert error.returncode == 2
    assert "case 'X11': field 'baseline_on'" in str(error)
    assert "case 'X06': field 'instrument'" in str(error)


def test_case_without_id_is_named_by_its_position(tmp_path: Path) -> None:
    case = dict(CASES[0])
    del case["id"]
    error = rejection(write_cases(tmp_path, [CASES[1], case]))
    assert error.returncode == 2
    assert "index 1" in str(error)
    assert "'id'" in str(error)


def test_a_worked_example_file_given_as_is_says_what_to_give(tmp_path: Path) -> None:
    error = rejection(EXAMPLES_PATH)
    assert error.returncode == 2
    assert "give the array of its 'case' objects" in str(error)


def test_input_that_is_not_an_array_is_rejected(tmp_path: Path) -> None:
    error = rejection(write_cases(tmp_path, CASES[0]))
    assert error.returncode == 2
    assert "array" in str(error)


def test_input_that_is_not_json_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text('[{"id": "o1",', encoding="utf-8")
    error = rejection(path)
    assert error.returncode == 2
    assert "not valid JSON" in str(error)


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    error = rejection(tmp_path / "absent.json")
    assert error.returncode == 2
    assert "absent.json" in str(error)


def test_command_line_exits_0_and_prints_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_cases(tmp_path, CASES[5:7])
    ManagementUtility(["manage.py", "outcomes_check", str(path)]).execute()
    results = json.loads(capsys.readouterr().out)
    assert results == [EXAMPLES[5]["expected"], EXAMPLES[6]["expected"]]


def test_command_line_exits_2_with_the_message_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = dict(CASES[7])
    del bad["current"]
    path = write_cases(tmp_path, [bad])
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "outcomes_check", str(path)]).execute()
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "case 'X08': field 'current'" in captured.err


def test_cases_can_come_on_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(CASES[:1])))
    out = io.StringIO()
    call_command("outcomes_check", "-", stdout=out)
    assert json.loads(out.getvalue()) == [EXAMPLES[0]["expected"]]
