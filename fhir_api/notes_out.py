"""Consultation notes going out to a referrer's partner system: the partner's first fetch of the note
is recorded on its NoteDelivery rows (care_episodes.note_delivery queues them when a note is signed)."""

from __future__ import annotations

from django.utils import timezone

from care_episodes.models import ConsultationNote, NoteDelivery


def mark_retrieved(note: ConsultationNote, partner_key: str) -> int:
    """The partner `partner_key` has read `note`; the number of delivery rows that learned it."""
    return NoteDelivery.objects.filter(
        note=note, partner_key=partner_key, retrieved_at__isnull=True
    ).update(retrieved_at=timezone.now())
