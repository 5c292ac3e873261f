"""Record access to patient records. Every view, create, change, print/export of a patient's record or any
part of it is recorded (PHIPA: who, when, which patient, what, from where, why).

Writes are recorded by the service that makes them, inside the same transaction (`record(actor, ...)`
with the `Actor` a view builds with `actor(request)`), so a change never commits without its audit row.
Views record only reads, prints and refusals.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest

from lbp_pathway.models import AuditEvent
from lbp_pathway.records import PatientRecord

Action = AuditEvent.Action


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where: the signed-in user of a request, or the system (a task)."""

    user: User | None
    path: str = ""
    ip_address: str | None = None
    # The username typed at a sign-in that matched no account (or a wrong password): recorded as is.
    claimed_username: str = ""

    @property
    def username(self) -> str:
        return self.user.get_username() if self.user is not None else self.claimed_username[:150]

    @property
    def person(self) -> User:
        """The acting user, for writes that record a person (who screened, who created): a view
        behind the guards always has one; the system actor has none."""
        if self.user is None:
            raise ValueError("This change needs a signed-in user, not the system.")
        return self.user


SYSTEM = Actor(user=None, path="system")


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The real client address: REMOTE_ADDR, unless that is one of settings.TRUSTED_PROXIES; then
    X-Forwarded-For is read from the right (each proxy appends the address it saw), skipping trusted
    proxies, and the first address that is not one is the client. Addresses a client wrote itself
    at the left of the header are never reached while a trusted proxy appended after them.
    Sign-in lockout and the audit log both use this."""
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # garbage in the header: fall back to the proxy's own address
    return hops[0] if hops else remote


def actor(request: HttpRequest) -> Actor:
    """The acting user of a request, for services that audit their writes."""
    user = request.user if request.user.is_authenticated else None
    return Actor(user=user, path=request.path[:300], ip_address=client_address(request))


def as_actor(who: Actor | HttpRequest | User | None) -> Actor:
    """Accept what callers have: an Actor, a request, or a bare user (scripts, demo data, tests)."""
    if isinstance(who, Actor):
        return who
    if isinstance(who, HttpRequest):
        return actor(who)
    if who is None:
        return SYSTEM
    return Actor(user=who)


def record(
    who: Actor | HttpRequest,
    action: str,
    what: str,
    *,
    patient: PatientRecord | None = None,
    patient_id: int | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit row. Inside a service's transaction, it commits or rolls back with the change."""
    acting = as_actor(who)
    return AuditEvent.objects.create(
        user=acting.user,
        username=acting.username,
        patient_id=patient.pk if patient is not None else patient_id,
        action=action,
        what=what[:200],
        path=acting.path[:300],
        ip_address=acting.ip_address,
        reason=reason[:300],
    )
