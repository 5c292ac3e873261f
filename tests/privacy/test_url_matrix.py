"""Every URL of the project, for every role and for anonymous visitors, against the rule its view
declares (`allowed_roles`). A URL added later by any app is walked too; a view without a rule fails."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.regex_helper import normalize

from lbp_pathway.access import Role
from tests.factories import UserFactory

DUMMY = {"int": "1", "slug": "dummy-token", "str": "dummy-token", "path": "dummy", "uuid": None}
DUMMY_UUID = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    admin: bool


def _dummy_for(name: str, converter: object) -> str:
    kind = type(converter).__name__.removesuffix("Converter").lower()
    if kind == "uuid":
        return DUMMY_UUID
    return DUMMY.get(kind) or "1"


def _fill(regex: str, converters: dict) -> str:
    """A concrete path for a pattern's regex, with dummy values for its arguments."""
    candidates = normalize(regex)
    template, params = candidates[0]
    values = {}
    for param in params:
        converter = converters.get(param)
        values[param] = _dummy_for(param, converter) if converter else "1"
    return template % values


def walk(resolver: URLResolver | None = None, prefix: str = "", converters=None, admin=False):
    resolver = resolver or get_resolver()
    converters = dict(converters or {})
    for entry in resolver.url_patterns:
        regex = entry.pattern.regex.pattern.lstrip("^").removesuffix("\\Z").removesuffix("$")
        pattern_converters = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inside_admin = admin or entry.app_name == "admin"
            yield from walk(entry, prefix + regex, pattern_converters, inside_admin)
        elif isinstance(entry, URLPattern):
            full = prefix + regex
            path = "/" + _fill(full, pattern_converters)
            yield Route(path=path, name=entry.name or entry.lookup_str, admin=admin)


ROUTES = list(walk())
APP_ROUTES = [route for route in ROUTES if not route.admin]
ADMIN_ROUTES = [route for route in ROUTES if route.admin]


def test_the_walk_finds_the_projects_pages():
    names = {route.name for route in ROUTES}
    assert {"login", "home", "audit_log", "break_glass", "security_settings"} <= names
    assert ADMIN_ROUTES, "Django's admin URLs are walked too"


@pytest.fixture
def clients(db, client_factory):
    users = {role: UserFactory(role=role, username=f"matrix-{role.name.lower()}") for role in Role}
    users[Role.ADMINISTRATOR].is_staff = True
    users[Role.ADMINISTRATOR].save()
    signed_in = {}
    for role, user in users.items():
        signed_in[role] = client_factory()
        signed_in[role].force_login(user)
    return signed_in


@pytest.fixture
def client_factory():
    return lambda: Client(raise_request_exception=False)


def _request(client, path: str):
    response = client.get(path)
    if response.status_code == 405:
        # POST-only pages: the role check comes before the method check, so POST proves it.
        response = client.post(path)
    return response


def login_path() -> str:
    return reverse("login")


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(login_path())


def problems_with(route: Route, clients: dict, anonymous_client) -> list[str]:
    """How the answers to `route` differ from the rule its view declares (empty when they match)."""
    view = resolve(route.path).func
    rule = getattr(view, "allowed_roles", None)
    if rule is None:
        return [
            f"{route.path} ({route.name}) declares no access rule: decorate its view with "
            "lbp_pathway.access.role_required(...), patient_record_view(...) or public"
        ]
    problems = []
    anonymous = _request(anonymous_client, route.path)
    if rule == "public":
        if anonymous.status_code >= 500:
            problems.append(f"anonymous: {anonymous.status_code} on a public page")
    elif not _sent_to_login(anonymous):
        problems.append(f"anonymous: {anonymous.status_code}, expected a redirect to sign in")
    for role, client in clients.items():
        response = _request(client, route.path)
        allowed = rule in ("public", "signed_in") or role in rule
        if response.status_code >= 500:
            problems.append(f"{role.value}: server error {response.status_code}")
        elif rule == "public":
            continue  # open to all; sign-in and sign-out pages may redirect
        elif allowed and (response.status_code == 403 or _sent_to_login(response)):
            problems.append(f"{role.value}: {response.status_code}, but the rule allows this role")
        elif not allowed and response.status_code != 403:
            problems.append(f"{role.value}: {response.status_code}, expected 403")
    return problems


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: f"{r.name} {r.path}")
def test_every_page_refuses_the_roles_its_rule_leaves_out(route, clients, client_factory):
    problems = problems_with(route, clients, client_factory())
    assert not problems, f"{route.path} ({route.name}):\n" + "\n".join(problems)


@pytest.mark.urls("tests.privacy.urls")
def test_patient_record_pages_follow_the_same_matrix(clients, client_factory):
    test_routes = [r for r in walk() if r.name in {"test_chart", "test_episode"}]
    assert len(test_routes) == 2
    for route in test_routes:
        assert problems_with(route, clients, client_factory()) == [], route


@pytest.mark.urls("tests.privacy.urls")
def test_a_page_without_a_declared_rule_fails_the_matrix(clients, client_factory):
    route = next(r for r in walk() if r.name == "test_undeclared")
    assert "declares no access rule" in problems_with(route, clients, client_factory())[0]


@pytest.mark.urls("tests.privacy.urls")
def test_a_page_that_lets_a_wrong_role_in_fails_the_matrix(clients, client_factory):
    route = next(r for r in walk() if r.name == "test_leaky")
    problems = problems_with(route, clients, client_factory())
    assert "Front desk: 200, expected 403" in problems


@pytest.mark.parametrize("route", APP_ROUTES, ids=lambda r: f"{r.name} {r.path}")
def test_no_page_is_exempt_from_csrf_protection(route):
    assert not getattr(resolve(route.path).func, "csrf_exempt", False), route.path


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: f"{r.name} {r.path}")
def test_djangos_admin_is_closed_to_everyone_but_administrators(route, clients, client_factory):
    for role, client in [(None, client_factory()), *clients.items()]:
        if role is Role.ADMINISTRATOR:
            continue
        response = client.get(route.path, follow=True)
        final_path = response.request["PATH_INFO"]
        assert response.status_code in (403, 404) or final_path == login_path(), (
            f"{role}: {route.path} answered {response.status_code} at {final_path}"
        )
        assert b"Site administration" not in response.content


def test_administrators_with_staff_access_open_djangos_admin(clients):
    response = clients[Role.ADMINISTRATOR].get("/admin/")
    assert response.status_code == 200
    assert b"Users" in response.content


def test_a_staff_flag_without_the_administrator_role_does_not_open_the_admin(client, physio):
    physio.is_staff = True
    physio.save()
    client.force_login(physio)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_admin_sign_in_goes_through_the_apps_throttled_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(login_path())


def test_dummy_arguments_resolve_for_every_walked_url():
    for route in ROUTES:
        assert resolve(route.path), route
        assert not re.search(r"[<>()\\]", route.path), route.path
