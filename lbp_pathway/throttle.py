"""Sign-in throttling rule: after `limit` failures from one address for one username within `window`,
that username is locked from that address for `lock`. Plain values in, plain values out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Failures:
    count: int
    first_at: datetime
    locked_until: datetime | None


def is_locked(failures: Failures | None, now: datetime) -> bool:
    return bool(failures and failures.locked_until and failures.locked_until > now)


def after_failure(
    failures: Failures | None,
    now: datetime,
    *,
    limit: int,
    window: timedelta,
    lock: timedelta,
) -> Failures:
    """The failure count after one more failed attempt, and the lock it may start."""
    if (
        failures is None
        or now - failures.first_at > window
        or (failures.locked_until and failures.locked_until <= now)
    ):
        failures = Failures(count=0, first_at=now, locked_until=None)
    count = failures.count + 1
    locked_until = now + lock if count >= limit else None
    return Failures(count=count, first_at=failures.first_at, locked_until=locked_until)
