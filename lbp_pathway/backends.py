"""Sign-in backend: Django's ModelBackend, except that the signed-in user of every request is loaded
together with their role names, in one query instead of two (`access.roles_of` reads them)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q, Value

# The attribute of a User loaded by this backend that holds its group names (a list of str).
GROUP_NAMES = "lbp_group_names"


class UserWithRolesBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = (
            User._default_manager.annotate(
                **{
                    GROUP_NAMES: ArrayAgg(
                        "groups__name", filter=Q(groups__isnull=False), default=Value([])
                    )
                }
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
