"""The `triage_check` management command: section 7's clinical safety validation contract."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from triage.rules import RULE_VERSION

EXAMPLES_PATH = Path(__file__).with_name("triage-examples.json")
EXAMPLES: list[dict[str, Any]] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))


def write_cases(tmp_path: Path, cases: object) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    return path


def run_triage_check(path: Path) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("triage_check", str(path), stdout=out)
    return json.loads(out.getvalue())


def rejection(path: Path) -> CommandError:
    with pytest.raises(CommandError) as raised:
        call_command("triage_check", str(path), stdout=io.StringIO())
    return raised.value


def test_examples_give_the_expected_results_in_order(tmp_path: Path) -> None:
    path = write_cases(tmp_path, [example["case"] for example in EXAMPLES])
    results = run_triage_check(path)
    assert [result["id"] for result in results] == [e["case"]["id"] for e in EXAMPLES]
    for result, example in zip(results, EXAMPLES, strict=True):
        assert result.pop("rule_version") == RULE_VERSION
        assert result == example["expected"]


def test_results_follow_the_input_order(tmp_path: Path) -> None:
    cases = [example["case"] for example in reversed(EXAMPLES)]
    results = run_triage_check(write_cases(tmp_path, cases))
    assert [result["id"] for result in results] == [case["id"] for case in cases]


def test_empty_case_set_gives_an_empty_array(tmp_path: Path) -> None:
    assert run_triage_check(write_cases(tmp_path, [])) == []


def test_malformed_case_is_rejected_with_status_2_naming_case_and_field(tmp_path: Path) -> None:
    bad = dict(EXAMPLES[3]["case"], start_back=["agree"] * 8)
    error = rejection(write_cases(tmp_path, [EXAMPLES[0]["case"], bad]))
    assert error.returncode == 2
    assert "'E04'" in str(error)
    assert "'start_back'" in str(error)


def test_unknown_red_flag_is_rejected_naming_case_field_and_code(tmp_path: Path) -> None:
    bad = dict(EXAMPLES[1]["case"], red_flags=["cauda_equina"])
    error = rejection(write_cases(tmp_path, [bad]))
    assert error.returncode == 2
    assert "'E02'" in str(error)
    assert "red_flags[0]" in str(error)
    assert "cauda_equina" in str(error)


def test_every_malformed_case_is_named(tmp_path: Path) -> None:
    first = dict(EXAMPLES[0]["case"], reference_date="28/11/2026")
    second = dict(EXAMPLES[1]["case"], claims={"wsib": False})
    error = rejection(write_cases(tmp_path, [first, EXAMPLES[2]["case"], second]))
    assert error.returncode == 2
    assert "case 'E01': field 'reference_date'" in str(error)
    assert "case 'E02': field 'claims.motor_vehicle'" in str(error)


def test_case_without_id_is_named_by_its_position(tmp_path: Path) -> None:
    case = dict(EXAMPLES[0]["case"])
    del case["id"]
    error = rejection(write_cases(tmp_path, [EXAMPLES[1]["case"], case]))
    assert error.returncode == 2
    assert "index 1" in str(error)
    assert "'id'" in str(error)


def test_input_that_is_not_an_array_is_rejected(tmp_path: Path) -> None:
    error = rejection(write_cases(tmp_path, EXAMPLES[0]["case"]))
    assert error.returncode == 2
    assert "array" in str(error)


def test_input_that_is_not_json_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text('[{"id": "c1",', encoding="utf-8")
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
    path = write_cases(tmp_path, [EXAMPLES[0]["case"]])
    ManagementUtility(["manage.py", "triage_check", str(path)]).execute()
    results = json.loads(capsys.readouterr().out)
    assert [result["id"] for result in results] == ["E01"]


def test_command_line_exits_2_with_the_message_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = dict(EXAMPLES[4]["case"], pregnant="no")
    path = write_cases(tmp_path, [bad])
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "triage_check", str(path)]).execute()
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "case 'E05': field 'pregnant'" in captured.err
