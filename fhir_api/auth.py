"""Who is calling /fhir/: a partner system with an OAuth 2.0 access token (client credentials), never
a user's browser session. Every call is audited with the client as the actor.

`api_view` wraps each /fhir/ view: no bearer token or a bad one is 401 (whatever session cookie comes
with it), a missing scope is 403, both as OperationOutcomes; the view answers a `Result`, whose
patients are recorded in the audit log in one INSERT."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core

from fhir_api.models import PartnerClient
from fhir_api.resources import Json, operation_outcome
from lbp_pathway import audit
from lbp_pathway.models import AuditEvent

FHIR_JSON = "application/fhir+json"
# Marks a view as token-only: the session middlewares leave it alone (lbp_pathway/middleware.py)
# and the URL matrix checks it answers 401 to every session (tests/privacy/test_url_matrix.py).
TOKEN_ONLY = "token"


@dataclass(frozen=True)
class Client:
    """The partner system behind a valid access token."""

    application_id: int
    # The application's client id: what Referrer.partner_key and NoteDelivery.partner_key hold.
    partner_key: str
    name: str
    scopes: frozenset[str]
    partner: PartnerClient | None
    actor: audit.Actor

    def has(self, scope: str) -> bool:
        return scope in self.scopes


class ApiError(Exception):
    """An answer other than success: an HTTP status and the problems an OperationOutcome names."""

    def __init__(self, status: int, problems: list[tuple[str, str]], code: str = "invalid") -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.status = status
        self.problems = problems
        self.code = code


def not_found(what: str) -> ApiError:
    return ApiError(404, [("", f"{what} was not found.")], code="not-found")


@dataclass
class Result:
    """What a view answers: a resource (or raw bytes), its status, the patients it showed."""

    body: Json | bytes
    status: int = 200
    patients: Iterable[int | None] = ()
    what: str = ""
    action: str = AuditEvent.Action.VIEW
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = FHIR_JSON
    audited: bool = False  # a service already wrote the audit row with the change


def fhir_response(
    body: Json, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")), status=status, content_type=FHIR_JSON
    )
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _unauthorized(request: HttpRequest, message: str) -> HttpResponse:
    actor = audit.Actor(
        user=None,
        path=request.path[:300],
        ip_address=audit.client_address(request),
        claimed_username="FHIR client (no valid token)",
    )
    audit.record(actor, AuditEvent.Action.DENIED, f"FHIR {request.method} refused: {message}"[:200])
    response = fhir_response(operation_outcome([("", message)], code="login"), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


def authenticate(request: HttpRequest) -> Client | None:
    """The client of a valid bearer token in the Authorization header, or None. A session cookie
    is never looked at."""
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    if not header.lower().startswith("bearer "):
        return None
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    if token is None:
        return None
    application = token.application
    partner = PartnerClient.objects.filter(application_id=application.pk).first()
    name = f"FHIR client {application.name or application.client_id}"[:150]
    return Client(
        application_id=application.pk,
        partner_key=str(application.client_id)[:100],
        name=name,
        scopes=frozenset(token.scope.split()),
        partner=partner,
        actor=audit.Actor(
            user=None,
            path=request.path[:300],
            ip_address=audit.client_address(request),
            claimed_username=name,
        ),
    )


def record_call(client: Client, request: HttpRequest, result: Result) -> None:
    """One audit row per patient the answer showed (one row when it showed none), in one INSERT."""
    what = (result.what or f"FHIR {request.method} {request.path}")[:200]
    patients: list[int | None] = [*sorted({pk for pk in result.patients if pk is not None})]
    patients = patients or [None]
    actor = client.actor
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=None,
                username=actor.username,
                patient_id=pk,
                action=result.action,
                what=what,
                path=actor.path,
                ip_address=actor.ip_address,
            )
            for pk in patients
        ]
    )


def api_view(view: Callable[..., Result]) -> Callable[..., HttpResponse]:
    """A /fhir/ view: token only, CSRF-free (no cookie authenticates it), audited, FHIR errors."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client = authenticate(request)
        if client is None:
            return _unauthorized(request, "A valid bearer access token is required.")
        try:
            result = view(request, client, *args, **kwargs)
        except ApiError as error:
            action = (
                AuditEvent.Action.DENIED if error.status in (401, 403) else AuditEvent.Action.VIEW
            )
            record_call(
                client,
                request,
                Result(
                    body={}, what=f"FHIR {request.method} refused ({error.status})", action=action
                ),
            )
            return fhir_response(operation_outcome(error.problems, error.code), error.status)
        if not result.audited:
            record_call(client, request, result)
        if isinstance(result.body, bytes):
            response = HttpResponse(
                result.body, status=result.status, content_type=result.content_type
            )
            response["Cache-Control"] = "no-store"
            response["X-Content-Type-Options"] = "nosniff"
            for name, value in result.headers.items():
                response[name] = value
            return response
        return fhir_response(result.body, result.status, result.headers)

    wrapped.allowed_roles = TOKEN_ONLY  # type: ignore[attr-defined]
    wrapped.token_only = True  # type: ignore[attr-defined]
    return wrapped


def require(client: Client, scope: str) -> None:
    if not client.has(scope):
        raise ApiError(
            403, [("", f"This client's token lacks the scope {scope}.")], code="forbidden"
        )
