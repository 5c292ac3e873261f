"""Booking with and without the reminder outbox, in one process on the bench database (bench/hotpages.py
runs it with DATABASE_URL set to that database and reads its last line).

Each booking is `intake.services.book_appointment` for a bulk patient into a listed free slot, inside an
outer transaction that is rolled back afterwards, so the slots stay free for the next booking and the
next run. The outer transaction leaves out the COMMIT, which is the same for both variants (one fsync)
and would only shrink the ratio. "Without outbox" replaces the reminder scheduling call with a no-op for
that booking only; both variants alternate, so drift in the machine's load hits both alike.

    DATABASE_URL=... python bench/booking_probe.py [--bookings 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=40, help="per variant")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import transaction

    from intake import selectors, services
    from intake.models import AppointmentType, Patient
    from lbp_pathway import audit
    from reminders import services as reminders

    desk = User.objects.get(username="frontdesk")
    actor = audit.Actor(user=desk, path="/frontdesk/book/confirm/", ip_address="127.0.0.1")
    kind = AppointmentType.objects.filter(is_new_assessment=True).order_by("id").first()
    if kind is None:
        raise SystemExit("no new-assessment appointment type: seed the demo data first")
    slots = selectors.free_slots(appointment_type=kind, limit=args.bookings * 2, days=56)
    patients = list(
        Patient.objects.filter(booking_hold="", episodes__isnull=True)
        .order_by("-id")
        .values_list("id", flat=True)[: args.bookings * 2]
    )
    if len(slots) < 2 or len(patients) < 2:
        raise SystemExit(f"too few free slots ({len(slots)}) or patients ({len(patients)})")
    scheduling = reminders.schedule_appointment_reminders

    def book(slot_index: int, with_outbox: bool) -> float:
        slot = slots[slot_index % len(slots)]
        patient = Patient.objects.get(pk=patients[slot_index % len(patients)])
        reminders.schedule_appointment_reminders = (  # type: ignore[assignment]
            scheduling if with_outbox else (lambda **kwargs: None)
        )
        began = time.perf_counter()
        try:
            with transaction.atomic():
                services.book_appointment(
                    patient=patient,
                    practitioner=slot.practitioner,
                    site=slot.site,
                    start=slot.start,
                    appointment_type=kind,
                    actor=actor,
                )
                elapsed = (time.perf_counter() - began) * 1000
                raise Rollback
        except Rollback:
            pass
        finally:
            reminders.schedule_appointment_reminders = scheduling  # type: ignore[assignment]
        return elapsed

    book(0, True), book(1, False)  # warm up
    with_times, without_times = [], []
    for n in range(args.bookings):
        with_times.append(book(2 * n, True))
        without_times.append(book(2 * n + 1, False))
    with_ms, without_ms = statistics.median(with_times), statistics.median(without_times)
    print(f"booking_with_outbox_ms={with_ms:.2f} booking_without_outbox_ms={without_ms:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
