"""Demo reminders: a few sent, pending and failed ones for demo patients, and staff notifications."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from demo.output import Output
from intake.models import Patient, Site
from reminders.messages import staff_title
from reminders.models import Delivery, Notification, Reminder

DEMO_PREFIX = "demo:"


def seed(patients: int, stdout: Output) -> None:
    if Reminder.objects.filter(key__startswith=DEMO_PREFIX).exists():
        return
    rng = random.Random(7)
    now = timezone.now()
    site = Site.objects.order_by("pk").values_list("name", flat=True).first() or "the clinic"
    reminders: list[Reminder] = []
    for patient in Patient.objects.order_by("pk")[: min(patients, 200)]:
        channel = "sms" if patient.consent_sms_reminders else "email"
        status = rng.choices(["sent", "pending", "failed", "cancelled"], [6, 3, 1, 1])[0]
        starts_at = now + timedelta(days=rng.randint(-20, 20), hours=rng.randint(0, 8))
        reminders.append(
            Reminder(
                kind=Reminder.Kind.APPOINTMENT,
                key=f"{DEMO_PREFIX}appointment:{patient.pk}:48h",
                patient=patient,
                channel=channel,
                due_at=starts_at - timedelta(hours=48),
                status=status,
                attempts={"sent": 1, "failed": 5}.get(status, 0),
                last_error="provider timeout" if status == "failed" else "",
                sent_at=starts_at - timedelta(hours=48) if status == "sent" else None,
                context={"site": site, "starts_at": starts_at.isoformat()},
            )
        )
    staff = list(User.objects.filter(username__in=["physio", "physician", "frontdesk"]))
    notes = [
        ("note_unsigned", "Consultation note not signed", "assessed 4 days ago"),
        ("referral_overdue", "Referral overdue", "no reply within the service level"),
        ("physician_review", "Urgent physician review pending", "review requested"),
    ]
    for user in staff:
        for n, (kind, _title, detail) in enumerate(notes):
            reminders.append(
                Reminder(
                    kind=kind,
                    key=f"{DEMO_PREFIX}{kind}:{user.pk}:{n}",
                    user=user,
                    channel=Reminder.Channel.IN_APP,
                    due_at=now - timedelta(hours=n + 1),
                    status=Reminder.Status.SENT,
                    attempts=1,
                    sent_at=now - timedelta(hours=n + 1),
                    context={"detail": detail, "url": "/notifications/"},
                )
            )
    with transaction.atomic():
        created = Reminder.objects.bulk_create(reminders, batch_size=500)
        Delivery.objects.bulk_create(
            [
                Delivery(
                    reminder=r,
                    key=r.delivery_key,
                    channel=r.channel,
                    status=Delivery.Status.SENT if r.status == "sent" else Delivery.Status.FAILED,
                    attempts=r.attempts,
                    started_at=r.due_at,
                    finished_at=r.sent_at or r.due_at,
                    error=r.last_error,
                )
                for r in created
                if r.status in ("sent", "failed")
            ],
            batch_size=500,
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    user=r.user,
                    reminder=r,
                    title=staff_title(r.kind),
                    body=r.context["detail"],
                    url=r.context["url"],
                    created_at=r.sent_at or r.due_at,  # the same for these in-app ones
                )
                for r in created
                if r.user_id
            ]
        )
    stdout.write(f"Reminders: {len(created)} demo reminders")
