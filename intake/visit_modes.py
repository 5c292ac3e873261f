"""Telehealth: an appointment's visit mode (in person, video, phone) and its video link.

The reminders then say how the visit happens: a video visit gives the link and says no travel is
needed (reminders/messages.py); a phone visit says the clinic will call.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from intake.models import Appointment
from lbp_pathway import audit
from reminders import services as reminders

VIDEO = "video"


class VisitModeRefused(ValueError):
    """The mode or link cannot be used; the message says why."""


def check_video_link(mode: str, video_link: str) -> str:
    """The link to store: an https URL for a video visit, nothing otherwise."""
    link = video_link.strip()
    if mode != VIDEO:
        return ""
    if not link:
        raise VisitModeRefused(gettext("A video visit needs the link the patient joins with."))
    if not link.lower().startswith("https://") or len(link) <= len("https://"):
        raise VisitModeRefused(
            gettext("The video link must be a secure web address starting https://.")
        )
    return link


@transaction.atomic
def set_visit_mode(
    appointment: Appointment, *, actor: audit.Actor, mode: str, video_link: str = ""
) -> Appointment:
    link = check_video_link(mode, video_link)
    if appointment.status != Appointment.Status.BOOKED:
        raise VisitModeRefused(gettext("Only a booked appointment can change how it takes place."))
    appointment.mode, appointment.video_link = mode, link
    appointment.save(update_fields=["mode", "video_link"])
    reminders.set_appointment_reminder_mode(appointment.pk, mode=mode, video_link=link)
    with translation.override("en"):  # the audit trail is written in English
        mode_label = str(appointment.get_mode_display())
    audit.record(
        actor,
        audit.Action.CHANGE,
        f"appointment {appointment.pk} visit mode: {mode_label}",
        patient=appointment.patient,
    )
    return appointment
