"""The audit log is a hash chain (SECURITY.md, "Verifying the audit chain"): `manage.py audit_verify`
finds the first deleted, edited or back-dated row, also in a copy of the table the owner role tampered
with, and the administrator's audit page shows the last verification."""

import hashlib
import io
import os
import subprocess
import sys
import threading
from datetime import UTC, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from lbp_pathway import audit
from lbp_pathway.models import AuditEvent, AuditVerification
from lbp_pathway.tasks import verify_audit_chain

ROOT = Path(__file__).resolve().parents[2]
COPY = "audit_copy"


def spec_hash(previous: str, row: AuditEvent) -> str:
    """SECURITY.md: SHA-256 of the previous row's hash (64 zeros before the first row), then each
    field as <length>:<text> (~ for none), joined by |: seq, at in UTC, user id, username, patient id,
    action, what, path, IP address, reason."""
    at = row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    values = [row.seq, at, row.user_id, row.username, row.patient_id, row.action, row.what,
              row.path, row.ip_address, row.reason]  # fmt: skip
    fields = ["~" if v is None else f"{len(str(v))}:{v}" for v in values]
    return hashlib.sha256("|".join([previous, *fields]).encode()).hexdigest()


def owner_sql(sql: str, params=None) -> None:
    """As the owner role (the tests' default connection; the app's runtime role cannot do this)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def three_rows(physio, physician):
    audit.record(audit.as_actor(physio), "view", "Patient chart", patient_id=7)
    audit.record(audit.as_actor(physician), "print", "Consultation note", patient_id=7)
    audit.record(audit.SYSTEM, "change", "Reminder sent", patient_id=8, reason="Nightly | run")
    return list(AuditEvent.objects.order_by("seq"))


@pytest.fixture
def tampered_copy(three_rows):
    """A copy of the audit table made by the owner role: no triggers, so anything goes."""
    owner_sql(f"CREATE TABLE {COPY} AS SELECT * FROM lbp_pathway_auditevent")
    yield three_rows
    owner_sql(f"DROP TABLE IF EXISTS {COPY}")


def runtime_env() -> dict[str, str]:
    """A manage.py subprocess as the app's runtime role, on this test database."""
    url = urlsplit(os.environ["DATABASE_URL"])
    name = connection.settings_dict["NAME"]
    return {**os.environ, "DATABASE_URL": urlunsplit(url._replace(path=f"/{name}"))}


def verify(table: str | None = None) -> str:
    out = io.StringIO()
    call_command("audit_verify", *(["--table", table] if table else []), stdout=out)
    return out.getvalue()


def test_rows_are_numbered_from_one_and_each_hash_covers_the_previous_hash_and_the_row(three_rows):
    assert [row.seq for row in three_rows] == [1, 2, 3]
    previous = "0" * 64
    for row in three_rows:
        assert row.hash == spec_hash(previous, row)
        previous = row.hash


def test_a_writer_cannot_back_date_a_row_the_database_clock_stamps_it(physio):
    before = timezone.now()
    event = AuditEvent.objects.create(
        username="pt", action="view", what="Patient chart", at=before - timedelta(days=365)
    )
    event.refresh_from_db()
    assert event.at >= before - timedelta(minutes=1)


def test_a_clean_chain_verifies_and_the_result_is_kept(three_rows):
    out = verify()
    assert "intact" in out.lower() and "3 rows" in out
    kept = AuditVerification.objects.get()
    assert (kept.ok, kept.rows_checked, kept.last_seq, kept.last_hash) == (
        True, 3, 3, three_rows[-1].hash
    )  # fmt: skip


def test_a_deleted_row_is_found_as_a_gap(tampered_copy):
    owner_sql(f"DELETE FROM {COPY} WHERE seq = 2")
    with pytest.raises(CommandError, match=r"broken at row 2: .*row 1 to row 3: row 2 is missing"):
        verify(COPY)


def test_an_edited_row_is_found_by_its_hash(tampered_copy):
    owner_sql(f"UPDATE {COPY} SET username = 'someone else' WHERE seq = 2")
    with pytest.raises(CommandError, match="broken at row 2: Row 2 does not match its hash"):
        verify(COPY)


def test_an_edited_row_of_the_real_table_is_found_too(three_rows):
    owner_sql("ALTER TABLE lbp_pathway_auditevent DISABLE TRIGGER lbp_audit_no_update_delete")
    owner_sql("UPDATE lbp_pathway_auditevent SET patient_id = 99 WHERE seq = 1")
    owner_sql("ALTER TABLE lbp_pathway_auditevent ENABLE TRIGGER lbp_audit_no_update_delete")
    with pytest.raises(CommandError, match="broken at row 1"):
        verify()
    kept = AuditVerification.objects.get()
    assert (kept.ok, kept.first_break_seq, kept.rows_checked) == (False, 1, 0)


def test_a_back_dated_row_is_found_even_with_a_correctly_computed_hash(tampered_copy):
    last = tampered_copy[-1]
    forged = AuditEvent(
        seq=4, at=last.at - timedelta(days=30), user_id=None, username="md", patient_id=7,
        action="view", what="Patient chart", path="/physician/patients/7/", ip_address="10.0.0.9",
        reason="",
    )  # fmt: skip
    owner_sql(
        f"INSERT INTO {COPY} (id, seq, at, username, patient_id, action, what, path, ip_address, "
        "reason, hash) VALUES (999, 4, %s, 'md', 7, 'view', 'Patient chart', "
        "'/physician/patients/7/', '10.0.0.9', '', %s)",
        [forged.at, spec_hash(last.hash, forged)],
    )
    with pytest.raises(
        CommandError, match="broken at row 4: Row 4 is dated .* inserted back-dated"
    ):
        verify(COPY)


def test_a_row_slipped_into_the_middle_is_found(tampered_copy):
    second = tampered_copy[1]
    owner_sql(
        f"INSERT INTO {COPY} (id, seq, at, username, action, what, path, reason, hash) "
        "VALUES (998, 2, %s, 'md', 'view', 'Patient chart', '', '', %s)",
        [second.at, second.hash],
    )
    with pytest.raises(CommandError, match="broken at row 2"):
        verify(COPY)


def test_rows_cut_from_the_end_after_a_verification_are_found(tampered_copy):
    verify()
    owner_sql(f"DELETE FROM {COPY} WHERE seq = 3")
    with pytest.raises(
        CommandError, match="Row 3, the last row of the verification of .* is missing"
    ):
        verify(COPY)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_audit_verify_exits_non_zero_and_names_the_row(tampered_copy):
    owner_sql(f"DELETE FROM {COPY} WHERE seq = 1")
    result = subprocess.run(
        [sys.executable, "manage.py", "audit_verify", "--table", COPY],
        cwd=ROOT, capture_output=True, text=True, env=runtime_env(),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "broken at row 1" in result.stderr and "row 1 is missing" in result.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_unbroken_chain(as_runtime_role):
    writers, each = 4, 25
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                audit.record(audit.SYSTEM, "view", f"writer {n} row {i}", patient_id=n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, writers * each + 1)
    )
    assert "intact: 100 rows checked" in verify().lower()


def test_the_administrators_audit_page_shows_the_last_verification(
    three_rows, administrator, client_for
):
    client = client_for(administrator)
    assert "Not verified yet" in client.get(reverse("audit_log")).content.decode()
    verify()
    page = client.get(reverse("audit_log")).content.decode()
    assert "Intact" in page and "3 rows checked" in page and "manage.py audit_verify" in page
    owner_sql("ALTER TABLE lbp_pathway_auditevent DISABLE TRIGGER lbp_audit_no_update_delete")
    owner_sql("DELETE FROM lbp_pathway_auditevent WHERE seq = 2")
    owner_sql("ALTER TABLE lbp_pathway_auditevent ENABLE TRIGGER lbp_audit_no_update_delete")
    assert verify_audit_chain() is False
    page = client.get(reverse("audit_log")).content.decode()
    assert "Broken at row 2" in page and "nightly check" in page and "row 2 is missing" in page


def test_beat_verifies_the_chain_every_night():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "lbp_pathway.tasks.verify_audit_chain"
    )  # fmt: skip
    assert entry["schedule"] == crontab(hour=2, minute=30)
