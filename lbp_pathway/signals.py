"""On sign-in: decide whether the session still needs a second factor, and start the idle clock."""

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from lbp_pathway.middleware import LAST_ACTIVITY, TWO_FACTOR, now, two_factor_state


@receiver(user_logged_in, dispatch_uid="lbp_session_security")
def start_secure_session(
    sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[TWO_FACTOR] = two_factor_state(user)
    request.session[LAST_ACTIVITY] = now()
