import json
import socket

import pytest
from django.db import connection, connections
from django.db.utils import OperationalError
from django.test import Client

from intake.models import Patient
from lbp_pathway import audit
from lbp_pathway.access import Role
from tests.factories import UserFactory


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/no-such.sock"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert (body["database"], body["broker"]) == ("ok", "down")


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "down"


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


# Issue 19: while PostgreSQL or Redis is unreachable, pages answer 503 with a message and a retry,
# and /healthz says which part is down.


def closed_port() -> int:
    """A local TCP port nothing listens on: connecting is refused, as with a stopped server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The outage tests commit (pages run in their own transactions, a connection is cut): transactional,
# with serialized rollback like the suite's other transactional tests, so the flush after them does not
# recreate content types under the next serialized test.
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def signed_in():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="desk", role=Role.FRONT_DESK))
    return client


@pytest.fixture
def database_down():
    """The default database moved to a closed port for the test (as if PostgreSQL stopped)."""
    conn = connections["default"]
    saved = dict(conn.settings_dict)
    conn.close()
    conn.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    yield
    conn.close()
    conn.settings_dict.clear()
    conn.settings_dict.update(saved)


@pytest.fixture
def redis_down(settings, tmp_path):
    """Redis (the broker and the cache) unreachable: its socket is gone, as when the server stopped."""
    gone = f"unix://{tmp_path}/stopped-redis.sock"
    settings.REDIS_URL = gone
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": gone}
    }


def assert_maintenance_page(response, part: str) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert "LBP Pathway is temporarily unavailable" in page
    assert f"{part} is not answering" in page
    assert '<meta http-equiv="refresh" content="30">' in page
    assert "Try again" in page
    assert "Traceback" not in page and "OperationalError" not in page
    return page


@TRANSACTIONAL
def test_a_page_answers_503_with_a_retry_while_the_database_is_down(signed_in, database_down):
    page = assert_maintenance_page(signed_in.get("/frontdesk/?day=2026-01-05"), "The database")
    assert 'href="/frontdesk/?day=2026-01-05"' in page  # Try again: the same page
    assert "If you were saving something" not in page


@TRANSACTIONAL
def test_a_form_sent_while_the_database_is_down_says_nothing_was_half_saved(
    signed_in, database_down
):
    page = assert_maintenance_page(
        signed_in.post("/frontdesk/patients/new/", {"first_name": "Ann"}), "The database"
    )
    assert "saved completely or not at all" in page


@TRANSACTIONAL
def test_healthz_says_the_database_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "down" and body["broker"] == "ok"
    assert body["worker"]["status"] in {"ok", "stale", "down"}  # Redis answers: it can tell


@TRANSACTIONAL
def test_a_signed_in_page_answers_503_while_redis_is_down(signed_in, redis_down):
    assert_maintenance_page(signed_in.get("/frontdesk/"), "The message and cache server (Redis)")


@pytest.mark.django_db
def test_healthz_says_redis_is_down_with_the_outbox_still_readable(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "ok" and body["broker"] == "down"
    assert body["worker"]["status"] == "unknown"
    assert body["outbox"]["status"] == "ok"


@TRANSACTIONAL
def test_a_save_cut_off_by_a_lost_database_connection_leaves_nothing_half_done(
    signed_in, monkeypatch
):
    """The connection dies between the new patient's row and its audit row (as when PostgreSQL
    stops mid-request): the page is the 503 page, and neither row is in the database."""
    recorded = audit.record

    def connection_lost(*args, **kwargs):
        with connection.cursor() as cursor:  # the server ends this session, as in a shutdown
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return recorded(*args, **kwargs)

    monkeypatch.setattr(audit, "record", connection_lost)
    audit_rows = audit.AuditEvent.objects.count()
    response = signed_in.post(
        "/frontdesk/patients/new/",
        {
            "first_name": "Outage",
            "last_name": "Halfsaved",
            "date_of_birth": "1970-05-04",
            "sex": "F",
            "phone": "613-555-0199",
            "email": "outage@example.org",
            "postal_code": "K7L 1A1",
            "preferred_language": "en",
        },
    )
    assert_maintenance_page(response, "The database")
    monkeypatch.setattr(audit, "record", recorded)
    connection.close()
    assert not Patient.objects.filter(last_name="Halfsaved").exists()
    assert audit.AuditEvent.objects.count() == audit_rows
