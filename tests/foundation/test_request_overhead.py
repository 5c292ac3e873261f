"""What every signed-in page costs besides its own content (issue 13, throughput): the user and their
roles in one query, the unread badge counted once, compiled templates kept, persistent database
connections, and gunicorn's worker model. The session's write-once-a-minute rule is tested with the
idle sign-out (tests/privacy/test_sign_in.py)."""

import os
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lbp_pathway.access import Role
from reminders.models import Notification

ROOT = Path(__file__).resolve().parents[2]


def _sql(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def test_a_signed_in_page_loads_the_user_and_their_roles_in_one_query(physio, client_for):
    client = client_for(physio)
    html, queries = _sql(client, reverse("care_episodes:physio_home"))
    about_the_user = [
        sql for sql in queries if '"auth_user_groups"' in sql or 'FROM "auth_group"' in sql
    ]
    assert len(about_the_user) == 1, about_the_user
    assert 'FROM "auth_user"' in about_the_user[0]
    assert "Physiotherapist" in html  # the roles were read: the menu names them


def test_a_role_taken_away_applies_from_the_next_page(physio, client_for):
    client = client_for(physio)
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200
    physio.groups.remove(Group.objects.get(name=Role.PHYSIOTHERAPIST.value))
    assert client.get(reverse("care_episodes:physio_home")).status_code == 403


def test_a_user_made_inactive_is_signed_out_on_the_next_page(physio, client_for):
    client = client_for(physio)
    assert client.get(reverse("care_episodes:physio_home")).status_code == 200
    physio.is_active = False
    physio.save()
    response = client.get(reverse("care_episodes:physio_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_unread_count_is_counted_once_for_the_badge_and_the_list(physio, client_for):
    for n in range(3):
        Notification.objects.create(
            user=physio, title=f"Referral overdue {n}", url="/referrals/", created_at=timezone.now()
        )
    client = client_for(physio)
    html, queries = _sql(client, reverse("reminders:inbox"))
    counts = [sql for sql in queries if "COUNT(" in sql and '"read_at" IS NULL' in sql]
    assert len(counts) == 1, counts
    assert 'data-testid="unread-count">3<' in html  # the badge in the menu
    # Marking them read shows no stale count on the next page.
    client.post(reverse("reminders:mark_read"))
    assert (
        'data-testid="unread-count"' not in client.get(reverse("reminders:inbox")).content.decode()
    )


def test_templates_are_compiled_once_per_process():
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]


def test_database_connections_persist_between_requests_and_are_checked_before_use():
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] >= 60
    assert database["CONN_HEALTH_CHECKS"] is True


def _gunicorn(environ: dict[str, str], monkeypatch) -> dict[str, object]:
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "WEB_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_runs_threaded_workers_from_the_core_count_and_replaces_them(monkeypatch):
    config = _gunicorn({}, monkeypatch)
    cores = len(os.sched_getaffinity(0))
    assert config["workers"] == 2 * cores + 1
    assert config["worker_class"] == "gthread" and config["threads"] == 4
    assert config["max_requests"] == 1000 and config["max_requests_jitter"] == 100
    config = _gunicorn({"WEB_CONCURRENCY": "3", "WEB_THREADS": "8"}, monkeypatch)
    assert (config["workers"], config["threads"]) == (3, 8)


@pytest.mark.parametrize("value", ["many", "0", "-2"])
def test_a_bad_worker_count_stops_gunicorn_with_a_message(value, monkeypatch):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number of at least 1"):
        _gunicorn({"WEB_CONCURRENCY": value}, monkeypatch)


def test_make_run_and_the_image_use_the_same_gunicorn_settings():
    assert "gunicorn.conf.py" in (ROOT / "lbp_pathway" / "devstack.py").read_text()
    assert '"--config", "gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()
