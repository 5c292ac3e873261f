"""Verify the audit log's hash chain (SECURITY.md, "Verifying the audit chain").

Each audit row carries `seq` (1, 2, 3, … with no gaps), `at` (the database clock) and `hash` =
SHA-256 over the previous row's hash and the row's own content, set by a database trigger (migration
lbp_pathway 0006). `verify` recomputes the chain here, in Python, from the stored values and stops at
the first row where it breaks:

- a missing seq: rows were deleted;
- a hash that does not match the row's content: the row (or the one before it) was edited;
- a row dated before the row above it: a row was inserted back-dated;
- the row and hash a previous verification ended on are gone or different: rows were cut from the end,
  or the chain was rewritten after it was verified.

The canonical content, the same as lbp_audit_hash in SQL: the previous hash, then each field as
`<length>:<text>` (`~` for NULL), joined by `|`: seq, at (UTC, `YYYY-MM-DDTHH:MM:SS.ffffff`), user id,
username, patient id, action, what, path, IP address, reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from lbp_pathway.models import AuditEvent, AuditVerification

GENESIS = "0" * 64
BATCH = 5000
COLUMNS = (
    "seq, at, user_id, username, patient_id, action, what, path, host(ip_address), reason, hash"
)


@dataclass(frozen=True)
class ChainRow:
    seq: int
    at: datetime
    user_id: int | None
    username: str
    patient_id: int | None
    action: str
    what: str
    path: str
    ip_address: str | None
    reason: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows_checked: int
    last_seq: int | None
    last_hash: str
    message: str
    first_break_seq: int | None = None


def _field(value: object) -> str:
    if value is None:
        return "~"
    text = value if isinstance(value, str) else str(value)
    return f"{len(text)}:{text}"


def row_hash(previous: str, row: ChainRow) -> str:
    """The hash a row must carry, given the hash of the row before it."""
    at = row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    fields = (
        row.seq,
        at,
        row.user_id,
        row.username,
        row.patient_id,
        row.action,
        row.what,
        row.path,
        row.ip_address,
        row.reason,
    )
    text = "|".join([previous, *(_field(value) for value in fields)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _rows(table: str) -> Iterator[ChainRow]:
    """The rows in chain order, a batch at a time (keyset pagination on seq)."""
    name = connection.ops.quote_name(table)
    after: int | None = None
    while True:
        with connection.cursor() as cursor:
            if after is None:
                cursor.execute(f"SELECT {COLUMNS} FROM {name} ORDER BY seq LIMIT %s", [BATCH])
            else:
                cursor.execute(
                    f"SELECT {COLUMNS} FROM {name} WHERE seq >= %s ORDER BY seq LIMIT %s",
                    [after, BATCH + 1],
                )
            batch = [ChainRow(*values) for values in cursor.fetchall()]
        if after is not None:
            # The first row repeats the last one of the batch before (so duplicates show): skip it.
            batch = batch[1:]
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].seq


def _anchor_break(table: str, anchors: list[AuditVerification]) -> ChainReport | None:
    """The rows earlier verifications ended on must still be there, unchanged."""
    name = connection.ops.quote_name(table)
    for anchor in anchors:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT hash FROM {name} WHERE seq = %s", [anchor.last_seq])
            found = cursor.fetchall()
        if found and all(stored == anchor.last_hash for (stored,) in found):
            continue
        when = f"{anchor.at:%Y-%m-%d %H:%M} UTC"
        what = "is missing" if not found else "has a different hash"
        return ChainReport(
            ok=False,
            rows_checked=0,
            last_seq=None,
            last_hash="",
            first_break_seq=anchor.last_seq,
            message=(
                f"Row {anchor.last_seq}, the last row of the verification of {when}, {what}: rows "
                "were removed from the end of the log or the chain was rewritten after that check."
            ),
        )
    return None


def verify(table: str = AuditEvent._meta.db_table) -> ChainReport:
    """Recompute the chain of `table` (the audit log, or a copy of it) up to the first break."""
    if connection.in_atomic_block:
        return _verify(table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One snapshot for the whole walk, so rows committed meanwhile do not confuse it.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _verify(table)


def _verify(table: str) -> ChainReport:
    previous_hash = GENESIS
    previous_at: datetime | None = None
    expected = 1
    checked = 0

    def broken(seq: int, message: str) -> ChainReport:
        return ChainReport(
            ok=False,
            rows_checked=checked,
            last_seq=expected - 1 if checked else None,
            last_hash=previous_hash if checked else "",
            first_break_seq=seq,
            message=message,
        )

    for row in _rows(table):
        if row.seq > expected:
            missing = (
                f"row {expected} is"
                if row.seq == expected + 1
                else f"rows {expected} to {row.seq - 1} are"
            )
            return broken(expected, f"The chain jumps from row {expected - 1} to row {row.seq}: "
                          f"{missing} missing (deleted).")  # fmt: skip
        if row.seq < expected:
            return broken(row.seq, f"Row {row.seq} appears twice: a row was inserted.")
        if previous_at is not None and row.at < previous_at:
            return broken(
                row.seq,
                f"Row {row.seq} is dated {row.at:%Y-%m-%d %H:%M:%S} UTC, before the row above it "
                f"({previous_at:%Y-%m-%d %H:%M:%S} UTC): it was inserted back-dated.",
            )
        if row_hash(previous_hash, row) != row.hash:
            return broken(
                row.seq,
                f"Row {row.seq} does not match its hash: it was changed after it was written "
                "(or inserted out of the chain).",
            )
        previous_hash, previous_at = row.hash, row.at
        expected += 1
        checked += 1
    anchors = list(
        AuditVerification.objects.filter(ok=True, last_seq__isnull=False).order_by("-at", "-id")[:1]
    )
    anchor_break = _anchor_break(table, anchors)
    if anchor_break is not None:
        return ChainReport(
            ok=False,
            rows_checked=checked,
            last_seq=expected - 1 if checked else None,
            last_hash=previous_hash if checked else "",
            first_break_seq=anchor_break.first_break_seq,
            message=anchor_break.message,
        )
    return ChainReport(
        ok=True,
        rows_checked=checked,
        last_seq=expected - 1 if checked else None,
        last_hash=previous_hash if checked else "",
        message=f"Intact: {checked} rows checked."
        if checked
        else "Intact: the audit log is empty.",
    )


def record(report: ChainReport, *, by: str) -> AuditVerification:
    """Keep a verification's result (the administrator's audit page shows the last one)."""
    return AuditVerification.objects.create(
        ok=report.ok,
        rows_checked=report.rows_checked,
        last_seq=report.last_seq,
        last_hash=report.last_hash,
        first_break_seq=report.first_break_seq,
        message=report.message[:500],
        by=by[:150],
    )


def last_verification() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-at", "-id").first()
