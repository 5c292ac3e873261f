"""Importing the settings starts nothing; without DATABASE_URL / REDIS_URL the app says how to start them.

Every check runs in a subprocess with both URLs removed and its own LBP_DATA_DIR, so an embedded server
started by mistake would show up as a process using that folder.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def env_without_services(data: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "LBP_EMBEDDED", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(LBP_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="lbp_pathway.settings", **overrides)
    return env


def processes_using(path: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(path) in cmdline:
            found.append(f"{proc.info['pid']}: {cmdline[:120]}")
    return found


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


IMPORT_SETTINGS = textwrap.dedent(
    """
    import psutil
    from lbp_pathway import devstack

    def refuse(*args, **kwargs):
        raise AssertionError("importing the settings started an embedded server")

    devstack.start_embedded_services = devstack.start_postgres = devstack.start_redis = refuse

    import django
    from django.conf import settings

    django.setup()
    print("engine", settings.DATABASES["default"]["ENGINE"])
    print("children", len(psutil.Process().children(recursive=True)))
    from django.db import connection

    try:
        connection.cursor()
    except Exception as error:
        print("database", type(error).__name__, error)
    from django.core.cache import cache

    try:
        cache.get("anything")
    except Exception as error:
        print("cache", type(error).__name__)
    """
)


def test_importing_settings_without_urls_starts_nothing_and_database_use_explains(tmp_path):
    data = tmp_path / "data"
    result = run([sys.executable, "-c", IMPORT_SETTINGS], env_without_services(data))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "engine lbp_pathway.unconfigured" in lines
    assert "children 0" in lines
    database = next(line for line in lines if line.startswith("database "))
    assert "ImproperlyConfigured" in database
    assert "DATABASE_URL and REDIS_URL are not set" in database
    assert "python -m lbp_pathway.devstack shell --" in database
    assert "cache ImproperlyConfigured" in lines
    assert not (data / "pg").exists() and not (data / "redis").exists()
    assert processes_using(data) == []


def test_settings_import_for_tools_outside_demo_mode_without_a_secret_key(tmp_path):
    env = env_without_services(tmp_path / "data")
    for name in ("DEMO_MODE", "SECRET_KEY"):
        env.pop(name, None)
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_manage_py_migrate_without_urls_says_how_to_start_them(tmp_path):
    data = tmp_path / "data"
    result = run([sys.executable, "manage.py", "migrate"], env_without_services(data))
    assert result.returncode != 0
    message = result.stderr.strip()
    assert "\n" not in message, "one paragraph"
    assert "DATABASE_URL and REDIS_URL are not set" in message
    assert "make run" in message
    assert "python -m lbp_pathway.devstack shell -- python manage.py migrate" in message
    assert "Traceback" not in message
    assert not (data / "pg").exists()
    assert processes_using(data) == []


def test_manage_py_names_only_the_missing_url(tmp_path):
    env = env_without_services(tmp_path / "data", DATABASE_URL="postgres://nobody@localhost/none")
    result = run([sys.executable, "manage.py", "shell", "-c", "pass"], env)
    assert result.returncode != 0
    assert result.stderr.startswith("REDIS_URL is not set")


@pytest.mark.slow
def test_devstack_shell_starts_the_servers_for_one_command_then_stops_them(tmp_path):
    data = tmp_path / "data"
    command = (
        "import os; print(os.environ['LBP_EMBEDDED'], os.environ['DATABASE_URL'],"
        " os.environ['REDIS_URL'], os.environ['DATABASE_OWNER_URL'])"
    )
    env = env_without_services(data)
    result = run(
        [
            sys.executable,
            "-m",
            "lbp_pathway.devstack",
            "shell",
            "--",
            sys.executable,
            "-c",
            command,
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    embedded, database_url, redis_url, owner_url = result.stdout.split()
    assert embedded == "1"
    assert redis_url == f"unix://{data}/redis/redis.sock"
    # Two roles (SECURITY.md): the app's runtime role, and the owner for `migrate`.
    assert database_url.startswith("postgresql://lbp_app:@/lbp?host=")
    assert owner_url.startswith("postgresql://postgres:@/lbp?host=")
    result = run(
        [sys.executable, "-m", "lbp_pathway.devstack", "shell", "--", sys.executable, "manage.py",
         "check", "--database", "default"],
        env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert processes_using(data) == []
    result = run(
        [sys.executable, "-m", "lbp_pathway.devstack", "shell", "--", sys.executable, "-c",
         "raise SystemExit(3)"],
        env,
    )  # fmt: skip
    assert result.returncode == 3
