"""Typed requests for views. A view behind `role_required` always has a signed-in user: annotate it
with `AuthenticatedHttpRequest` so `request.user` is a `User`, not `User | AnonymousUser`."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    user: User
