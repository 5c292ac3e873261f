"""Backups and restore (issue 19, README "Backups and restore"): a seeded database and an uploaded file
go through `manage.py backup` and `manage.py restore` into a new, empty database on the same server,
and every table (row count and an md5 of its ordered rows) and every file comes back the same. A
non-empty database and a tampered archive are refused and nothing changes."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection

from lbp_pathway import backups, tasks
from tests.conftest import RUNTIME_DATABASE
from tests.foundation.test_settings import manage, production_env
from tests.privacy.factories import AccessWorld

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def seed() -> AccessWorld:
    """A few rows in many tables (every kind of record a URL can be about) and one uploaded file."""
    world = AccessWorld()
    world.assessed()
    world.plan()
    world.signed_note()
    world.appointment()  # before the emergency alert, which holds the patient's bookings
    world.alert()
    world.questionnaire_token()
    world.suggestion()
    world.referral_with_report()
    world.waitlist_entry()
    world.grant()
    world.sign_in_failures()
    world.failed_reminder()
    return world


def fingerprint(database: backups.Database) -> dict[str, tuple[int, str]]:
    """Every table's row count and md5 of its rows in a fixed order."""
    found: dict[str, tuple[int, str]] = {}
    with database.connect() as db, db.cursor() as cursor:
        for schema, table in backups.user_tables(cursor):
            cursor.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f"FROM {backups.quote(schema, table)} t"
            )
            count, digest = cursor.fetchone()
            found[table] = (count, digest)
    db.close()
    return found


def files_of(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def source() -> backups.Database:
    return backups.configured_database()


@pytest.fixture
def empty_database(source):
    """A new database on the same server, made and dropped by the owner."""
    name = f"{source.name}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    target = backups.Database(
        name=name,
        user=source.user,
        password=source.password,
        host=source.host,
        port=source.port,
        options=source.options,
    )
    yield target
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url_of(database: backups.Database) -> str:
    query = "&".join(f"{key}={value}" for key, value in database.options)
    host = database.host
    port = f":{database.port}" if database.port else ""
    return f"postgres://{database.user}:{database.password}@{host}{port}/{database.name}?{query}"


def backup(to: Path) -> Path:
    call_command("backup", to=to, stdout=io.StringIO())
    archives = sorted(to.glob("lbp-backup-*.tar"))
    assert len(archives) == 1
    return archives[0]


def test_restore_gives_back_every_table_and_file(tmp_path, media, source, empty_database, settings):
    seed()
    report = media / "referral_reports"
    assert len(list(report.iterdir())) == 1  # the referral's uploaded report
    before = fingerprint(source)
    assert sum(1 for count, _ in before.values() if count) >= 20  # many tables hold rows

    archive = backup(tmp_path / "backups")
    assert archive.stat().st_mode & 0o777 == 0o600  # patient records: the owner only
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["tables"]["intake_patient"] == before["intake_patient"][0]
    assert manifest["postgresql_version"].startswith("18")
    assert manifest["migrations"]["intake"].startswith("00")
    assert manifest["created_at"]
    (uploaded,) = (name for name in manifest["files"] if name.startswith("media/"))
    assert manifest["files"][uploaded]["size"] > 0

    restored_media = tmp_path / "restored-media"
    settings.MEDIA_ROOT = restored_media
    out = io.StringIO()
    call_command("restore", str(archive), database_url=url_of(empty_database), stdout=out)
    assert "the counts match" in out.getvalue()

    after = fingerprint(empty_database)
    assert after == before  # every table: the same rows, the same count
    assert files_of(restored_media) == files_of(media)

    # --force restores over a database that has tables, replacing them.
    with empty_database.connect() as db, db.cursor() as cursor:
        cursor.execute("DELETE FROM intake_waitlistentry")
    db.close()
    call_command(
        "restore", str(archive), database_url=url_of(empty_database), force=True, stdout=out
    )
    assert fingerprint(empty_database) == before
    # The app's runtime role may use the restored database, and still only add to the audit log.
    runtime = backups.Database.from_settings(settings.DATABASES[RUNTIME_DATABASE])
    if runtime.user != empty_database.user:
        as_runtime = backups.Database(**{**runtime.__dict__, "name": empty_database.name})
        with as_runtime.connect() as db, db.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM intake_patient")
            assert cursor.fetchone()[0] == before["intake_patient"][0]
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute("DELETE FROM lbp_pathway_auditevent")
        db.close()


def test_restore_refuses_a_database_that_has_tables(tmp_path, media, source):
    seed()
    archive = backup(tmp_path / "backups")
    before = fingerprint(source)
    with pytest.raises(CommandError, match="is not empty.*Nothing was restored.*--force"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert fingerprint(source) == before


def test_a_tampered_archive_is_refused_and_changes_nothing(
    tmp_path, media, source, empty_database, settings
):
    seed()
    archive = backup(tmp_path / "backups")
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as original, tarfile.open(tampered, "w") as copy:
        for member in original.getmembers():
            data = bytearray(original.extractfile(member).read())
            if member.name.startswith("media/"):
                data[-1] ^= 0xFF  # one bit pattern changed in the uploaded file; same size
            copy.addfile(member, io.BytesIO(bytes(data)))
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="Checksum mismatch: media/.*nothing was restored"):
        call_command(
            "restore", str(tampered), database_url=url_of(empty_database), stdout=io.StringIO()
        )
    assert fingerprint(empty_database) == {}
    assert not (tmp_path / "restored-media").exists()


def test_restore_says_what_is_wrong_with_an_archive_that_is_not_one(tmp_path, media):
    not_a_backup = tmp_path / "notes.tar"
    with tarfile.open(not_a_backup, "w") as tar:
        tar.addfile(tarfile.TarInfo("readme.txt"), io.BytesIO(b""))
    with pytest.raises(CommandError, match="has no manifest.json"):
        call_command("restore", str(not_a_backup), stdout=io.StringIO())
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing.tar"), stdout=io.StringIO())


def test_nightly_backup_keeps_backups_for_backup_keep_days(tmp_path, media, settings):
    settings.BACKUP_DIR = str(tmp_path / "nightly")
    settings.BACKUP_KEEP_DAYS = 7
    folder = tmp_path / "nightly"
    folder.mkdir()
    now = datetime.now(UTC)
    old = folder / backups.archive_name(now - timedelta(days=8))
    recent = folder / backups.archive_name(now - timedelta(days=6))
    unrelated = folder / "keep-me.tar"
    for path in (old, recent, unrelated):
        path.write_bytes(b"")

    written = Path(tasks.nightly_backup())

    assert written.parent == folder and written.exists()
    assert backups.verify_archive(written).tables
    assert not old.exists()
    assert recent.exists() and unrelated.exists()


def test_nightly_backup_is_off_without_backup_dir(settings):
    settings.BACKUP_DIR = ""
    assert tasks.nightly_backup() == ""


def test_pruning_always_keeps_the_newest_archive(tmp_path):
    now = datetime.now(UTC)
    only = tmp_path / backups.archive_name(now - timedelta(days=30))
    only.write_bytes(b"")
    assert backups.prune_backups(tmp_path, keep_days=7, now=now) == []
    assert only.exists()


def test_compose_keeps_nightly_backups_in_a_volume_the_worker_writes():
    root = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    assert "backups" in compose["volumes"]
    assert "backups:/app/backups" in compose["services"]["worker"]["volumes"]
    assert "media:/app/media" in compose["services"]["worker"]["volumes"]  # the files it archives
    environment = compose["x-app-environment"]
    assert environment["BACKUP_DIR"] == "${BACKUP_DIR-/app/backups}"
    assert "/app/backups" in (root / "Dockerfile").read_text()  # owned by the app's user


@pytest.mark.usefixtures("as_runtime_role")
def test_the_worker_backs_up_as_the_runtime_role(tmp_path, media, settings):
    """In production the worker has no owner URL (docker-compose.yml): its role reads every table."""
    settings.DATABASE_OWNER = None
    settings.BACKUP_DIR = str(tmp_path / "nightly")
    seed()
    assert backups.configured_database().user == settings.DATABASES[RUNTIME_DATABASE]["USER"]
    written = Path(tasks.nightly_backup())
    assert backups.verify_archive(written).tables["lbp_pathway_auditevent"] > 0


def test_beat_schedules_the_nightly_backup_only_with_backup_dir(tmp_path):
    code = (
        "from django.conf import settings; "
        "job = settings.CELERY_BEAT_SCHEDULE.get('nightly-backup'); "
        "print(job['task'] if job else 'off', settings.BACKUP_KEEP_DAYS)"
    )
    on = manage("shell", "-v", "0", "-c", code, env=production_env(BACKUP_DIR=str(tmp_path)))
    assert on.stdout.split() == ["lbp_pathway.tasks.nightly_backup", "14"], on.stderr
    off = manage("shell", "-v", "0", "-c", code, env=production_env(BACKUP_KEEP_DAYS="3"))
    assert off.stdout.split() == ["off", "3"], off.stderr


def test_compose_serves_metrics_from_every_web_worker_once_a_token_is_set():
    root = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["environment"]
    assert web["METRICS_TOKEN"] == "${METRICS_TOKEN:-}"  # off until the operator sets one
    assert web["PROMETHEUS_MULTIPROC_DIR"]  # gunicorn's workers share their samples
    assert web["DATABASE_URL"].startswith(
        "postgres://lbp_app:"
    )  # the anchor's settings still apply
