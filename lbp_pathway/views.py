import sys

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from kombu.exceptions import OperationalError as BrokerError

from lbp_pathway import monitoring, selectors
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
    """Whether the web server can serve: PostgreSQL and Redis (the broker) answer. 503 when either is
    down (a load balancer stops sending traffic). The default answer is two round trips, cheap enough
    to poll every second (bench/hotpages.py uses it as the floor); `?full=1`, and any 503, add the
    worker's heartbeat and the reminders outbox lag (monitoring.health_details), which never turn
    the answer into a 503 by themselves: pages work without a worker, messages wait in the outbox."""
    database, broker = _database_ok(), _broker_ok()
    status: dict[str, object] = {
        "database": "ok" if database else "down",
        "broker": "ok" if broker else "down",
    }
    healthy = database and broker
    if request.GET.get("full") or not healthy:
        status.update(monitoring.health_details(database=database, broker=broker))
    response = JsonResponse(status, status=200 if healthy else 503)
    if settings.LAUNCH_TOKEN:  # `make run` checks that the server answering is the one it started
        response["X-LBP-Launch"] = settings.LAUNCH_TOKEN
    return response


# What an outage of PostgreSQL or Redis raises, from any layer (middleware included): the connection
# refused or lost, a server shutting down or restarting.
DATABASE_OUTAGE = (OperationalError, InterfaceError)
REDIS_OUTAGE = (redis.ConnectionError, redis.TimeoutError, BrokerError)
RETRY_AFTER_SECONDS = 30


def _outage(error: BaseException | None) -> str | None:
    """Which part an exception says is unreachable ("The database", "Redis"), else None."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, DATABASE_OUTAGE):
            return gettext("The database")
        if isinstance(error, REDIS_OUTAGE):
            return gettext("The message and cache server (Redis)")
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. While PostgreSQL or Redis is unreachable: a 503 maintenance page that says so and
    tries again (Retry-After, a refresh and a link), instead of a bare 500. Rendered without the
    request's context processors, which would need the database. The write a failed request was
    making is not half-applied: each service runs in one transaction (transaction.atomic), which
    PostgreSQL rolls back when its connection is lost before COMMIT."""
    part = _outage(sys.exc_info()[1])
    if part is None:
        return HttpResponseServerError(render_to_string("500.html"))
    context = {
        "part": part,
        "retry_after": RETRY_AFTER_SECONDS,
        "retry_url": request.get_full_path(),
        "was_write": request.method not in {"GET", "HEAD", "OPTIONS"},
    }
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
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
