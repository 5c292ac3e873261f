"""On sign-in: decide whether the session still needs a second factor, and start the idle clock.
After `migrate`: give the runtime database role its privileges on whatever tables now exist."""

import time
from typing import Any

from django.apps import AppConfig
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.http import HttpRequest

from lbp_pathway import db_roles
from lbp_pathway.middleware import LAST_ACTIVITY, TWO_FACTOR, two_factor_state


@receiver(user_logged_in, dispatch_uid="lbp_session_security")
def start_secure_session(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[TWO_FACTOR] = two_factor_state(user)
    request.session[LAST_ACTIVITY] = int(time.time())


@receiver(post_migrate, dispatch_uid="lbp_runtime_role_grants")
def grant_runtime_role(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """Once per `migrate` (post_migrate is sent per app, after all migrations): the migration
    lbp_pathway 0006 granted the runtime role its privileges; repeating it here covers tables that
    later migrations add and a runtime role that is configured later."""
    if sender.name == "lbp_pathway":
        db_roles.grant_runtime(connections[using])
