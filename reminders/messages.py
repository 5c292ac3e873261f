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

from reminders.rules import message_language

# {when} is filled in with the local date and time in the message's language.
PATIENT_MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "appointment": {
        "en": (
            "Appointment reminder",
            "You have an appointment at {site} on {when}.",
        ),
        "fr": (
            "Rappel de rendez-vous",
            "Vous avez un rendez-vous à {site} le {when}.",
        ),
    },
    "outcome_due": {
        "en": (
            "A short questionnaire from {site}",
            "{site} asks you to answer a short questionnaire: {url}",
        ),
        "fr": (
            "Un court questionnaire de {site}",
            "{site} vous invite à répondre à un court questionnaire : {url}",
        ),
    },
    "booking_confirmed": {
        "en": (
            "Your appointment at {site} is booked",
            "Your appointment at {site}, {address}, is booked for {when}. Add it to your calendar: "
            "{calendar_url} To cancel or change it (up to {cutoff_hours} hours before): {url}",
        ),
        "fr": (
            "Votre rendez-vous à {site} est confirmé",
            "Votre rendez-vous à {site}, {address}, est fixé au {when}. Ajoutez-le à votre "
            "calendrier : {calendar_url} Pour l'annuler ou le changer (jusqu'à {cutoff_hours} heures "
            "avant) : {url}",
        ),
    },
    "booking_link": {
        "en": (
            "Book your physiotherapy visit",
            "Hello {first_name}, choose the day and place of your first physiotherapy visit for "
            "back pain here: {url} This link works once, until {expires}.",
        ),
        "fr": (
            "Prenez rendez-vous en physiothérapie",
            "Bonjour {first_name}, choisissez le jour et le lieu de votre première visite de "
            "physiothérapie pour le mal de dos ici : {url} Ce lien fonctionne une fois, jusqu'au "
            "{expires}.",
        ),
    },
    "waitlist_offer": {
        "en": (
            "An earlier physiotherapy visit is free",
            "Hello {first_name}, a visit at {site} on {when} has become free. To take it (first "
            "come, first served), open: {url} The offer ends {expires}.",
        ),
        "fr": (
            "Une visite de physiothérapie plus tôt est libre",
            "Bonjour {first_name}, une visite à {site} le {when} vient de se libérer. Pour la "
            "prendre (premier arrivé, premier servi), ouvrez : {url} L'offre prend fin le {expires}.",
        ),
    },
    "waitlist_gone": {
        "en": (
            "The visit offered has been taken",
            "Hello {first_name}, the visit at {site} on {when} we offered you has been taken by "
            "another patient. You stay on the waitlist; we will write again if another time frees.",
        ),
        "fr": (
            "La visite offerte a été prise",
            "Bonjour {first_name}, la visite à {site} le {when} qui vous était offerte a été prise "
            "par une autre personne. Vous restez sur la liste d'attente; nous vous écrirons si une "
            "autre plage se libère.",
        ),
    },
    "follow_up_not_booked": {
        "en": (
            "Please book your next visit",
            "Please call {site} to book your next visit.",
        ),
        "fr": (
            "Veuillez prendre votre prochain rendez-vous",
            "Veuillez appeler {site} pour prendre votre prochain rendez-vous.",
        ),
    },
}

# Appointment reminders for a telehealth visit (context "mode"): no travel, and the link to join.
REMOTE_APPOINTMENT_BODIES: dict[str, dict[str, str]] = {
    "video": {
        "en": "You have a video appointment with {site} on {when}. No travel is needed: join from "
        "home with this link: {video_link}",
        "fr": "Vous avez un rendez-vous vidéo avec {site} le {when}. Aucun déplacement n'est "
        "nécessaire : rejoignez-le de chez vous avec ce lien : {video_link}",
    },
    "phone": {
        "en": "{site} will phone you for your appointment on {when}. No travel is needed.",
        "fr": "{site} vous téléphonera pour votre rendez-vous le {when}. Aucun déplacement n'est "
        "nécessaire.",
    },
}

# Used instead when there is no link to give (no online questionnaire for that reminder yet).
NO_LINK_BODIES: dict[str, dict[str, str]] = {
    "outcome_due": {
        "en": "{site} asks you to answer a short questionnaire, by phone or at your next visit.",
        "fr": "{site} vous invite à répondre à un court questionnaire, par téléphone ou à votre "
        "prochaine visite.",
    },
}

# Added when the site's phone number is known.
PHONE_LINES = {
    "en": " Questions or changes: {phone}.",
    "fr": " Questions ou changements : {phone}.",
}

# Added to booking messages when the context carries the education pages' address (/p/learn/).
LEARN_LINES = {
    "en": " Before your visit, short pages about back pain: {learn_url}",
    "fr": " Avant votre visite, de courtes pages sur le mal de dos : {learn_url}",
}
LEARN_KINDS = ("booking_confirmed", "booking_link")

DATE_FORMATS = {"en": r"l, F j, Y \a\t g:i A", "fr": r"l j F Y \à G \h i"}

STAFF_TITLES = {
    "note_unsigned": "Consultation note not signed",
    "referral_overdue": "Referral overdue",
    "physician_review": "Urgent physician review pending",
    "appointment": "Appointment reminder",
    "outcome_due": "Outcome measures due",
    "follow_up_not_booked": "Follow-up not booked",
    "note_signed": "Consultation note ready",
    "booking_confirmed": "Booking confirmed",
    "booking_link": "Booking link sent",
    "waitlist_offer": "Freed slot offered",
    "waitlist_gone": "Offered slot taken",
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
    language = message_language(preferred_language)
    subject, body = PATIENT_MESSAGES[kind][language]
    if "{url}" in body and not context.get("url") and kind in NO_LINK_BODIES:
        body = NO_LINK_BODIES[kind][language]
    mode = context.get("mode", "")
    if kind == "appointment" and mode in REMOTE_APPOINTMENT_BODIES:
        if mode != "video" or context.get("video_link"):
            body = REMOTE_APPOINTMENT_BODIES[mode][language]
    values = _Blank(context)
    if context.get("starts_at"):
        values["when"] = local_when(context["starts_at"], language)
    if context.get("expires_at"):
        values["expires"] = local_when(context["expires_at"], language)
    if context.get("learn_url") and kind in LEARN_KINDS:
        body += LEARN_LINES[language]
    if context.get("phone"):
        body += PHONE_LINES[language]
    return Wording(subject.format_map(values), body.format_map(values))


def staff_title(kind: str) -> str:
    return STAFF_TITLES[kind]


def staff_notification_text(
    kind: str, patient_name: str, context: dict[str, Any]
) -> tuple[str, str]:
    """Title and body of an in-app notification (seen only by the staff member it is for)."""
    title = staff_title(kind)
    detail = context.get("detail", "")
    body = f"{patient_name}: {detail}" if patient_name and detail else patient_name or detail
    return title, body


def staff_email_wording(kind: str, link: str) -> Wording:
    if kind == "note_signed":  # to the referring clinician and the family physician (issue 17)
        return Wording(
            subject="LBP Pathway: a consultation note is ready",
            body=(
                "A consultation note for a patient you referred or follow is ready.\n"
                f"Sign in to read it: {link}"
            ),
        )
    return Wording(
        subject="LBP Pathway: you have a new notification",
        body=(
            f"You have a new notification in LBP Pathway ({staff_title(kind).lower()}).\n"
            f"Sign in to read it: {link}"
        ),
    )
