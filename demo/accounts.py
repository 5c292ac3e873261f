"""The demo accounts of `make run`: one per role, all with the password the launcher prints."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from lbp_pathway.access import Role
from lbp_pathway.services import clear_lockouts

DEMO_USERS = [
    ("frontdesk", "Dana", "Okafor", Role.FRONT_DESK),
    ("physio", "Priya", "Tremblay", Role.PHYSIOTHERAPIST),
    ("physician", "Marc", "Gagnon", Role.FAMILY_PHYSICIAN),
    ("np", "Claire", "Bouchard", Role.NURSE_PRACTITIONER),
    ("lead", "Graham", "Okoro", Role.PRACTICE_LEAD),
    ("manager", "Lena", "Fraser", Role.MANAGER),
    ("admin", "Sam", "Nguyen", Role.ADMINISTRATOR),
]


def _unsaved(username: str, first: str, last: str) -> User:
    return User(
        username=username, first_name=first, last_name=last, email=f"{username}@example.org"
    )


def password_problems(password: str) -> list[str]:
    """Why `password` may not be the demo accounts' password: the same validators as any password
    (AUTH_PASSWORD_VALIDATORS), checked against every demo account; empty when it is fine."""
    if not password:
        return ["DEMO_PASSWORD is empty."]
    problems: list[str] = []
    for username, first, last, _role in DEMO_USERS:
        try:
            validate_password(password, user=_unsaved(username, first, last))
        except ValidationError as error:
            problems.extend(m for m in error.messages if m not in problems)
    return problems


@transaction.atomic
def reset_demo_accounts(password: str) -> list[User]:
    """Create the demo accounts if missing and give every one of them `password`, clearing any
    sign-in lockout: the password the launcher prints is the one that works, whatever an earlier
    start used. Raises ValueError with the validators' messages for a weak password."""
    problems = password_problems(password)
    if problems:
        raise ValueError(" ".join(problems))
    users = []
    for username, first, last, role in DEMO_USERS:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        user.email = user.email or f"{username}@example.org"
        user.set_password(password)
        # The administrator manages users in Django's admin; no one else gets staff access.
        user.is_staff = role is Role.ADMINISTRATOR
        user.is_active = True
        user.save()
        user.groups.add(Group.objects.get(name=role.value))
        users.append(user)
    clear_lockouts([u.username for u in users])
    return users
