"""The postal-code table and its importer."""

import pytest
from django.core.management import CommandError, call_command

from demo.postal_codes import csv_text, demo_rows, write_csv
from referrals import postal_codes
from referrals.models import PostalCode


def lines(text: str):
    return text.splitlines(keepends=True)


def test_fsa_and_full_codes_are_accepted_with_or_without_space():
    result = postal_codes.parse_csv(
        lines(
            "postal_code,latitude,longitude\nK7L,44.23,-76.49\nk7l 3n6,44.22,-76.5\nM5V3L9,43.6,-79.4\n"
        )
    )
    assert result.ok
    assert [row.code for row in result.rows] == ["K7L", "K7L3N6", "M5V3L9"]


def test_every_malformed_row_is_reported_with_its_line_number():
    text = (
        "postal_code,latitude,longitude\n"
        "K7L,44.23,-76.49\n"
        "D7L,44.23,-76.49\n"  # line 3: D never used
        "K7M,95,-76.5\n"  # line 4: latitude out of range
        "K7N,44.2,-181\n"  # line 5: longitude out of range
        "K7L,44.0,-76.0\n"  # line 6: duplicate of line 2
        "K7P,abc,-76.5\n"  # line 7: not a number
        "K7R,44.2\n"  # line 8: missing field
        "K7L 3N,44.2,-76.5\n"  # line 9: 5 characters
    )
    result = postal_codes.parse_csv(lines(text))
    assert not result.ok
    joined = "\n".join(result.errors)
    for line in range(3, 10):
        assert f"line {line}:" in joined
    assert "line 2:" not in joined
    assert "already given on line 2" in joined
    assert "latitude 95 is outside -90..90" in joined
    assert "longitude -181 is outside -180..180" in joined


def test_a_wrong_header_is_refused():
    result = postal_codes.parse_csv(lines("code,lat,lon\nK7L,44.2,-76.5\n"))
    assert result.errors and result.errors[0].startswith("line 1:")


@pytest.mark.django_db
def test_the_command_imports_nothing_when_one_row_is_malformed(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("postal_code,latitude,longitude\nK7L,44.23,-76.49\nK7M,44.2,-200\n")
    with pytest.raises(CommandError) as error:
        call_command("import_postal_codes", str(path))
    assert "line 3: longitude -200 is outside -180..180" in str(error.value)
    assert "nothing was imported" in str(error.value)
    assert PostalCode.objects.count() == 0


@pytest.mark.django_db
def test_the_command_imports_the_generated_demo_set_and_updates_on_reimport(tmp_path, capsys):
    path = write_csv(tmp_path / "demo.csv")
    call_command("import_postal_codes", str(path))
    assert PostalCode.objects.count() == len(demo_rows())
    path.write_text("postal_code,latitude,longitude\nK7L,44.5,-76.1\n")
    call_command("import_postal_codes", str(path))
    assert PostalCode.objects.count() == len(demo_rows())
    assert PostalCode.objects.get(code="K7L").latitude == 44.5


def test_the_generated_demo_set_is_itself_valid():
    result = postal_codes.parse_csv(lines(csv_text()))
    assert result.ok, result.errors[:3]
    assert len(result.rows) > 100
