"""Ontario health card numbers, Canadian postal codes and birth dates: plain Python, no Django
imports."""

from __future__ import annotations

import re
from datetime import date

# Ontario Health Insurance Plan card: 10 digits, the last a Luhn (mod 10) check digit over the other
# nine (equivalently, the Luhn sum over all ten digits is a multiple of 10); a version code of 0-2
# letters is printed beside it.
_HEALTH_CARD = re.compile(r"^\d{10}$")
_VERSION_CODE = re.compile(r"^[A-Z]{0,2}$")
# Canada Post: letter-digit-letter digit-letter-digit; D, F, I, O, Q, U never appear, W and Z never
# first.
_POSTAL_CODE = re.compile(r"^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$")


def gettext_noop(message: str) -> str:
    """Marks a message for the French catalogue (tools/messages.py) without importing Django; the
    form translates `InvalidIdentifier.message` when it shows it."""
    return message


class InvalidIdentifier(ValueError):
    """The message is written for the person typing the value: `message` (English, a msgid of the
    catalogue) with its `params` filled in; str() is the English sentence."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


# The earliest birth date the clinic records (issue 14); the latest is today. The database refuses an
# earlier one too (intake_patient_born_from_1900).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def check_birth_date(value: date, *, today: date) -> date:
    """`value` if it lies between 1900-01-01 and `today`, both included; otherwise InvalidIdentifier."""
    if not EARLIEST_BIRTH_DATE <= value <= today:
        raise InvalidIdentifier(
            gettext_noop(
                "Enter a date of birth between %(earliest)s and today (%(today)s); "
                "%(value)s is not possible."
            ),
            earliest=f"{EARLIEST_BIRTH_DATE:%Y-%m-%d}",
            today=f"{today:%Y-%m-%d}",
            value=f"{value:%Y-%m-%d}",
        )
    return value


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(first_nine: str) -> str:
    """The digit that makes `first_nine` + digit Luhn-valid (used to generate demo cards)."""
    for digit in "0123456789":
        if luhn_valid(first_nine + digit):
            return digit
    raise AssertionError("unreachable: one digit always completes a Luhn sum")


def normalise_health_card(value: str) -> str:
    """Return the 10 digits of an Ontario health card number, or raise InvalidIdentifier."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not _HEALTH_CARD.match(digits):
        raise InvalidIdentifier(gettext_noop("An Ontario health card number has 10 digits."))
    if not luhn_valid(digits):
        raise InvalidIdentifier(
            gettext_noop(
                "This health card number fails its check digit: please check it with the card."
            )
        )
    return digits


def normalise_version_code(value: str) -> str:
    code = (value or "").strip().upper()
    if not _VERSION_CODE.match(code):
        raise InvalidIdentifier(
            gettext_noop("The version code is 0 to 2 letters (for example AB).")
        )
    return code


def normalise_postal_code(value: str) -> str:
    """Return a Canadian postal code as 'A1A 1A1', or raise InvalidIdentifier."""
    match = _POSTAL_CODE.match((value or "").strip().upper())
    if not match:
        raise InvalidIdentifier(gettext_noop("Enter a Canadian postal code such as K7L 3N6."))
    return f"{match.group(1)} {match.group(2)}"


def digits_only(value: str) -> str:
    return re.sub(r"\D", "", value or "")
