"""Reading the audit rows a test's own writes added (the log is append-only: rows are never deleted)."""

from django.db.models import QuerySet

from lbp_pathway.models import AuditEvent


def mark() -> int:
    """The newest audit row so far."""
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def rows_after(after: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(pk__gt=after)


def only_row(after: int = 0, **filters: object) -> AuditEvent:
    """The one row added since `after`, checked against `filters`."""
    rows = list(rows_after(after))
    assert len(rows) == 1, [(r.action, r.what) for r in rows]
    row = rows[0]
    for name, value in filters.items():
        assert getattr(row, name) == value, (name, getattr(row, name), value)
    return row
