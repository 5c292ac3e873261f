"""Times in the sentences the intake pages show, in the language of the request."""

from __future__ import annotations

from datetime import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext


def day_and_time(moment: datetime) -> str:
    """'Monday 7 December at 10:00' (French: 'lundi 7 décembre à 10:00'); `moment` in local time."""
    return gettext("%(day)s at %(time)s") % {
        "day": date_format(moment, "l j F"),
        "time": date_format(moment, "H:i"),
    }


def refusal(error: Exception) -> str:
    """The message of a refusal in the active language. Pure-Python rules (identifiers,
    appointment_rules) raise with an English `message` and `params` that are msgids of the catalogue;
    any other error's text is shown as it is."""
    message = getattr(error, "message", None)
    if not isinstance(message, str):
        return str(error)
    params: dict[str, str] = getattr(error, "params", {}) or {}
    if not params:
        return gettext(message)
    return gettext(message) % {name: gettext(value) for name, value in params.items()}
