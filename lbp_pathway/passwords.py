"""Password rules beyond Django's own (length 12, not common, not all digits, not like the username)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterVarietyValidator:
    """At least two kinds of character (lower case, upper case, digits, symbols or spaces): a long
    pass phrase with a digit or a hyphen passes, `aaaaaaaaaaaaaa` does not."""

    def __init__(self, min_classes: int = 2) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                gettext(
                    "Mix at least two kinds of character: lower case, upper case, digits, symbols."
                ),
                code="password_too_uniform",
            )

    def get_help_text(self) -> str:
        return gettext(
            "Your password must mix at least two kinds of character (letters, digits, symbols)."
        )


class MaximumLengthValidator:
    """A ceiling so that hashing a pasted novel cannot tie up the server."""

    def __init__(self, max_length: int = 200) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                gettext("Use at most {count} characters.").format(count=self.max_length),
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return gettext("Your password can have up to {count} characters.").format(
            count=self.max_length
        )
