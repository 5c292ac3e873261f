import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from lbp_pathway import selectors
from lbp_pathway.access import (
    HOME,
    PatientAccessDenied,
    Role,
    can_break_glass,
    public,
    role_required,
    roles_of,
)
from lbp_pathway.http import AuthenticatedHttpRequest


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    if not roles:
        return render(request, "no_role.html", status=403)
    return redirect(HOME[roles[0]])


home.allowed_roles = "signed_in"  # type: ignore[attr-defined]


@role_required(Role.ADMINISTRATOR)
def administration_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "administration_home.html", {"account_changes": selectors.account_changes()}
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except DatabaseError:
        return False


def _broker_ok() -> bool:
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except (redis.RedisError, OSError):
        return False


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database, broker = _database_ok(), _broker_ok()
    status = {"database": "ok" if database else "down", "broker": "ok" if broker else "down"}
    response = JsonResponse(status, status=200 if database and broker else 503)
    if settings.LAUNCH_TOKEN:  # `make run` checks that the server answering is the one it started
        response["X-LBP-Launch"] = settings.LAUNCH_TOKEN
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page; on a patient record it offers clinicians the break-the-glass form."""
    patient_id = getattr(exception, "patient_id", None)
    offer = (
        isinstance(exception, PatientAccessDenied)
        and patient_id is not None
        and can_break_glass(request.user)
    )
    return render(
        request,
        "403.html",
        {"break_glass_patient_id": patient_id if offer else None, "next": request.get_full_path()},
        status=403,
    )
