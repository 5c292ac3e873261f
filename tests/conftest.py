import os
import shutil

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from lbp_pathway.access import Role
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"

# Hypothesis judges speed by the clock; on a shared 2-core machine running two test workers the clock
# says nothing about the code (the suite keeps timings in bench/, as ratios). Examples and shrinking
# are unchanged.
hypothesis_settings.register_profile(
    "lbp", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile("lbp")


def running_in_ci(environ=os.environ) -> bool:
    """CI sets CI=true (.ci/run exports it too)."""
    return environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def require_tool(available: bool, what: str, install: str, environ=os.environ) -> None:
    """Go on when a tool a test needs is there. Otherwise skip, with the command that installs it, on
    a developer's machine; under CI fail, so that a CI run can never pass by skipping those tests."""
    if available:
        return
    message = f"{what} is not installed ({install})"
    if running_in_ci(environ):
        pytest.fail(f"{message}: CI=true, so this is an error, not a skip", pytrace=False)
    pytest.skip(f"{message}: test skipped; under CI=true this would fail")


def pytest_collection_modifyitems(config, items):
    """A transactional test must restore the serialized database (serialized_rollback=True). Without it
    Django's flush afterwards re-creates content types and permissions, and the next test that does
    restore collides with them ("duplicate key ... django_content_type"): a failure that appears only
    in some random orders. Refuse such a test at collection, whatever order this run takes."""
    unsafe = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (
            "transactional_db" in item.fixturenames or "live_server" in item.fixturenames
        )
        if marker is not None:
            transactional = transactional or bool(
                marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
            )
        serialized = marker is not None and marker.kwargs.get("serialized_rollback", False)
        if transactional and not serialized:
            unsafe.append(item.nodeid)
    if unsafe:
        raise pytest.UsageError(
            "transactional tests without serialized_rollback=True (mark them "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True)):\n  "
            + "\n  ".join(unsafe)
        )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """pytest-randomly shuffles the tests and names its seed in the header, which -q hides: say it at
    the end too, so that any failing run can be replayed in the same order."""
    seed = config.getoption("randomly_seed", default=None)
    if seed is not None and config.pluginmanager.hasplugin("randomly"):
        terminalreporter.write_line(
            f"Test order: --randomly-seed={seed} (pass it again to replay this order; "
            "-p no:randomly runs in file order)"
        )


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Django's PBKDF2 takes about half a second a password on this machine, and the suite creates and
    signs in thousands of users: hash with MD5 in tests (Django's own advice for test settings). The
    hashing strength itself is Django's business; the processes that tests start (`make run`) keep the
    real hasher."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def real_password_hashing():
    """Django's own hashers, for users a test creates and then signs in to a server it started in
    another process (which never knows the suite's MD5 hasher)."""
    from django.conf import global_settings

    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language: a request in French (Accept-Language, a
    staff member's saved language) leaves French active in the thread after the response."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def make_user(db):
    def make(role: Role | None = None, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def front_desk(make_user):
    return make_user(Role.FRONT_DESK, username="fd")


@pytest.fixture
def physio(make_user):
    return make_user(Role.PHYSIOTHERAPIST, username="pt")


@pytest.fixture
def physician(make_user):
    return make_user(Role.FAMILY_PHYSICIAN, username="md")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, username="mgr")


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMINISTRATOR, username="adm", is_staff=True)


@pytest.fixture
def nurse_practitioner(make_user):
    return make_user(Role.NURSE_PRACTITIONER, username="np")


@pytest.fixture
def practice_lead(make_user):
    return make_user(Role.PRACTICE_LEAD, username="lead")


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def chromium():
    """One browser per test: a Playwright loop left running across tests would give later tests a
    different database connection and silently skip Django's serialized-rollback restore."""
    require_tool(
        os.path.exists(CHROMIUM) and shutil.which("chromium") is not None,
        "Debian's Chromium",
        "apt-get install chromium",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    connections.close_all()  # see `page`


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    page.csp_violations = csp_violations
    yield page
    context.close()
    # Playwright's sync API runs the test in a greenlet with its own context variables, so Django
    # gave the test body a connection of its own: close it, or it outlives the run and the test
    # database cannot be dropped at the end ("being accessed by other users").
    connections.close_all()


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


RUNTIME_DATABASE = "runtime"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Two roles in tests too (SECURITY.md, "Two database roles"). The test database is created,
    migrated and flushed by the owner role (flushing needs TRUNCATE, which the runtime role lacks), so
    here the default connection is the owner's; the app's runtime role (DATABASE_URL) is the alias
    `runtime` on the same test database, and `as_runtime_role` makes it the default for one test."""
    from django.conf import settings

    from lbp_pathway import db_roles

    default = settings.DATABASES["default"]
    # A test database need not survive a crash of its server: commits do not wait for the disk
    # (visibility and locking are unchanged; the processes a test starts keep the real setting).
    options = default.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
    owner = settings.DATABASE_OWNER
    if owner is None:
        return
    settings.DATABASES[RUNTIME_DATABASE] = {
        **default,
        "TEST": {**default.get("TEST", {}), "MIRROR": "default"},
    }
    for key in db_roles.CREDENTIALS:
        default[key] = owner[key]


@pytest.fixture
def runtime_credentials():
    from django.conf import settings

    require_tool(
        settings.DATABASE_OWNER is not None,
        "A second database role",
        "set DATABASE_OWNER_URL, or leave DATABASE_URL unset for the embedded PostgreSQL",
    )
    return settings.DATABASES[RUNTIME_DATABASE]


@pytest.fixture
def runtime_connection(transactional_db, runtime_credentials):
    """A connection as the app's runtime role; closed at the end (the owner drops the test database)."""
    from django.db import connections

    connection = connections[RUNTIME_DATABASE]
    yield connection
    connection.close()


@pytest.fixture
def as_runtime_role(transactional_db, runtime_credentials):
    """The app's default connection uses the runtime role for this test, as in production (the test
    data commits, so both roles see it); the owner's credentials come back before the flush. Mark the
    test `django_db(transaction=True, serialized_rollback=True)` like the suite's other transactional
    tests."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from lbp_pathway import db_roles

    owner = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
    db_roles.switch_credentials(DEFAULT_DB_ALIAS, runtime_credentials)
    yield
    db_roles.switch_credentials(DEFAULT_DB_ALIAS, owner)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and a clean end to the run: when the last test is done no
    connection opened by a test, a thread or the live server may still be open on the test database
    (pytest-django could not drop it: "being accessed by other users"). A leak fails the run and
    names the leaked session's last statement."""
    yield
    for alias in connections:  # this thread's other aliases (the runtime role's) are not leaks
        if alias != "default":
            connections[alias].close()
    with django_db_blocker.unblock():
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT left(query, 160) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            leaked = [row[0] for row in cursor.fetchall()]
    if leaked:
        pytest.fail(
            f"{len(leaked)} database connection(s) left open on the test database by a test; "
            f"close them in the test or its fixture. Their last statements: {leaked}",
            pytrace=False,
        )
