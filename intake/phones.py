"""Patients' phone numbers: read as typed ('613-555-0199', '(613) 555 0199', '+44 20 7946 0958') and
stored in E.164 ('+16135550199'), the form SMS providers take. A number without a country code is read
as a number of PHONE_DEFAULT_REGION (Canada by default). Uses Google's libphonenumber metadata
(`phonenumbers`), so impossible area codes and lengths are refused, not only bad characters."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(text: str, *, region: str | None = None) -> str:
    """The number in E.164, or InvalidPhoneNumber with a message a receptionist can act on."""
    typed = text.strip()
    try:
        number = phonenumbers.parse(typed, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(
            gettext(
                "“%(typed)s” is not a phone number. Type it with its area code, e.g. 613-555-0199."
            )
            % {"typed": typed}
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            gettext(
                "“%(typed)s” is not a valid phone number: check the area code and the number of "
                "digits (e.g. 613-555-0199; numbers outside Canada and the US start with + and "
                "the country code)."
            )
            % {"typed": typed}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """A stored number as people read it: '+16135550199' -> '+1 613-555-0199'."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
