"""The words of each reminder, per kind and language.

Patient messages leave the clinic by email or SMS: they name the site, a time and a link, never a
diagnosis, a risk level or any other clinical detail. Staff messages sent by email say only that a
notification is waiting; the detail stays in the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import dateformat, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reminders.rules import message_language

StrOrPromise = str | Promise

# Every wording is a gettext message (French in reminders/locale), rendered in the patient's language
# (Patient.language_code) or the staff member's (lbp_pathway.selectors.staff_language).
# {when} is filled in with the local date and time in the message's language.
PATIENT_MESSAGES: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "appointment": (
        _("Appointment reminder"),
        _("You have an appointment at {site} on {when}."),
    ),
    "outcome_due": (
        _("A short questionnaire from {site}"),
        _("{site} asks you to answer a short questionnaire: {url}"),
    ),
    "booking_confirmed": (
        _("Your appointment at {site} is booked"),
        _(
            "Your appointment at {site}, {address}, is booked for {when}. Add it to your calendar: "
            "{calendar_url} To cancel or change it (up to {cutoff_hours} hours before): {url}"
        ),
    ),
    "booking_link": (
        _("Book your physiotherapy visit"),
        _(
            "Hello {first_name}, choose the day and place of your first physiotherapy visit for "
            "back pain here: {url} This link works once, until {expires}."
        ),
    ),
    "waitlist_offer": (
        _("An earlier physiotherapy visit is free"),
        _(
            "Hello {first_name}, a visit at {site} on {when} has become free. To take it (first "
            "come, first served), open: {url} The offer ends {expires}."
        ),
    ),
    "waitlist_gone": (
        _("The visit offered has been taken"),
        _(
            "Hello {first_name}, the visit at {site} on {when} we offered you has been taken by "
            "another patient. You stay on the waitlist; we will write again if another time frees."
        ),
    ),
    "follow_up_not_booked": (
        _("Please book your next visit"),
        _("Please call {site} to book your next visit."),
    ),
}

# Appointment reminders for a telehealth visit (context "mode"): no travel, and the link to join.
REMOTE_APPOINTMENT_BODIES: dict[str, StrOrPromise] = {
    "video": _(
        "You have a video appointment with {site} on {when}. No travel is needed: join from "
        "home with this link: {video_link}"
    ),
    "phone": _("{site} will phone you for your appointment on {when}. No travel is needed."),
}

# Used instead when there is no link to give (no online questionnaire for that reminder yet).
NO_LINK_BODIES: dict[str, StrOrPromise] = {
    "outcome_due": _(
        "{site} asks you to answer a short questionnaire, by phone or at your next visit."
    ),
}

# Added when the site's phone number is known.
PHONE_LINE = _("Questions or changes: {phone}.")

# Added to booking messages when the context carries the education pages' address (/p/learn/).
LEARN_LINE = _("Before your visit, short pages about back pain: {learn_url}")
LEARN_KINDS = ("booking_confirmed", "booking_link")

# The date and time in a message, in each language's own way (Django date format characters).
DATE_FORMATS = {"en": r"l, F j, Y \a\t g:i A", "fr": r"l j F Y \à G \h i"}

STAFF_TITLES: dict[str, StrOrPromise] = {
    "note_unsigned": _("Consultation note not signed"),
    "referral_overdue": _("Referral overdue"),
    "physician_review": _("Urgent physician review pending"),
    "appointment": _("Appointment reminder"),
    "outcome_due": _("Outcome measures due"),
    "follow_up_not_booked": _("Follow-up not booked"),
    "note_signed": _("Consultation note ready"),
    "booking_confirmed": _("Booking confirmed"),
    "booking_link": _("Booking link sent"),
    "waitlist_offer": _("Freed slot offered"),
    "waitlist_gone": _("Offered slot taken"),
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def local_when(value: str | datetime, language: str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    with translation.override(language):
        return dateformat.format(timezone.localtime(moment), DATE_FORMATS[language])


def patient_wording(kind: str, preferred_language: str, context: dict[str, Any]) -> Wording:
    """The subject and body of a message to a patient, in French for a French-speaking patient
    (preferred_language: the patient's choice, en, fr or other) and in English otherwise."""
    language = message_language(preferred_language)
    subject, body = PATIENT_MESSAGES[kind]
    if "{url}" in str(body) and not context.get("url") and kind in NO_LINK_BODIES:
        body = NO_LINK_BODIES[kind]
    mode = context.get("mode", "")
    if kind == "appointment" and mode in REMOTE_APPOINTMENT_BODIES:
        if mode != "video" or context.get("video_link"):
            body = REMOTE_APPOINTMENT_BODIES[mode]
    values = _Blank(context)
    if context.get("starts_at"):
        values["when"] = local_when(context["starts_at"], language)
    if context.get("expires_at"):
        values["expires"] = local_when(context["expires_at"], language)
    with translation.override(language):
        text = str(body)
        if context.get("learn_url") and kind in LEARN_KINDS:
            text += " " + str(LEARN_LINE)
        if context.get("phone"):
            text += " " + str(PHONE_LINE)
        return Wording(str(subject).format_map(values), text.format_map(values))


def staff_title(kind: str, language: str | None = None) -> str:
    """The title of a staff notification, in the given language (default: the active one)."""
    with translation.override(language or translation.get_language()):
        return str(STAFF_TITLES[kind])


def staff_notification_text(
    kind: str, patient_name: str, context: dict[str, Any], language: str | None = None
) -> tuple[str, str]:
    """Title and body of an in-app notification (seen only by the staff member it is for), in that
    staff member's language."""
    title = staff_title(kind, language)
    detail = context.get("detail", "")
    body = f"{patient_name}: {detail}" if patient_name and detail else patient_name or detail
    return title, body


def staff_email_wording(kind: str, link: str, language: str | None = None) -> Wording:
    """The email telling a staff member a notification waits, in that staff member's language."""
    with translation.override(language or translation.get_language()):
        if kind == "note_signed":  # to the referring clinician and the family physician (issue 17)
            return Wording(
                subject=gettext("LBP Pathway: a consultation note is ready"),
                body=gettext(
                    "A consultation note for a patient you referred or follow is ready.\n"
                    "Sign in to read it: {link}"
                ).format(link=link),
            )
        return Wording(
            subject=gettext("LBP Pathway: you have a new notification"),
            body=gettext(
                "You have a new notification in LBP Pathway ({title}).\nSign in to read it: {link}"
            ).format(title=staff_title(kind).lower(), link=link),
        )
