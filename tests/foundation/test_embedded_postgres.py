"""The embedded PostgreSQL is production's PostgreSQL: the same major version as docker-compose.yml and
the contrib extensions the schema needs, created by migrations (issue 13)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from lbp_pathway import devstack

ROOT = Path(__file__).resolve().parents[2]


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


@pytest.mark.django_db
def test_the_suite_runs_on_the_postgresql_major_version_that_compose_deploys():
    compose = (ROOT / "docker-compose.yml").read_text()
    image = re.search(r"^\s+image: postgres:(\d+)", compose, re.M)
    assert image, "docker-compose.yml names no postgres image"
    assert server_major() == int(image.group(1)) == 18


@pytest.mark.django_db
def test_migrations_install_the_contrib_extensions_the_schema_uses():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        installed = {row[0] for row in cursor.fetchall()}
    assert {"pg_trgm", "unaccent", "btree_gist"} <= installed


@pytest.mark.django_db
def test_patient_search_indexes_are_trigram_gin_and_double_booking_uses_btree_gist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'intake_patient' "
            "AND indexname IN ('intake_patient_name_trgm', 'intake_patient_phone_trgm')"
        )
        indexes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'appointment_no_double_booking'"
        )
        (constraint,) = cursor.fetchone()
        cursor.execute("SELECT intake_fold('Lévesque-Gagnon ÇÀ')")
        (folded,) = cursor.fetchone()
    assert set(indexes) == {"intake_patient_name_trgm", "intake_patient_phone_trgm"}
    assert all("USING gin" in d and "gin_trgm_ops" in d for d in indexes.values())
    assert "practitioner_id WITH =" in constraint and "WITH &&" in constraint
    assert folded == "levesque-gagnon ca"


def old_data_folder(tmp_path: Path, major: str) -> Path:
    pgdata = tmp_path / "pg"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text(f"{major}\n")
    (pgdata / "base").mkdir()
    (pgdata / "base" / "records").write_text("earlier data")
    return pgdata


def test_a_postgresql_16_data_folder_is_refused_with_what_to_do(tmp_path):
    pgdata = old_data_folder(tmp_path, "16")
    with pytest.raises(devstack.OldDataFolder) as refusal:
        devstack.check_data_folder(pgdata)
    message = str(refusal.value)
    assert "PostgreSQL 16" in message and "PostgreSQL 18" in message
    assert f"mv {pgdata} {tmp_path / 'pg-postgresql16'}" in message
    assert "pg_dump" in message and "pg_restore" in message
    devstack.check_data_folder(old_data_folder(tmp_path / "new", "18"))  # its own version: fine


@pytest.mark.slow
def test_the_launcher_starts_nothing_over_an_old_data_folder(tmp_path):
    """`make run` and `devstack shell` stop with the message; the old folder is left as it was."""
    old_data_folder(tmp_path, "16")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LBP_EMBEDDED"}}
    env["LBP_DATA_DIR"] = str(tmp_path)
    for command in (["shell", "--", "true"], ["run", "--patients", "1"]):
        done = subprocess.run(
            [sys.executable, "-m", "lbp_pathway.devstack", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert "holds a PostgreSQL 16 database" in done.stderr
        assert "LBP Pathway is running" not in done.stdout
    assert sorted(p.name for p in (tmp_path / "pg").iterdir()) == ["PG_VERSION", "base"]
    assert (tmp_path / "pg" / "base" / "records").read_text() == "earlier data"
