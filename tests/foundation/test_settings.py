import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEMO_MODE", "DEBUG", "LBP_EMBEDDED", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="lbp.example.org",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked():
    code = "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    result = manage("shell", "-v", "0", "-c", code, env=production_env())
    assert result.stdout.split() == ["False", "True"]
    result = manage("shell", "-v", "0", "-c", code, env=production_env(DEBUG="1"))
    assert result.stdout.split()[0] == "True"


def test_demo_accounts_are_refused_outside_demo_mode():
    result = manage("seed_demo", "--patients", "0", env=production_env(DEMO_PASSWORD="x" * 16))
    assert result.returncode != 0
    assert "only in demo mode" in result.stderr


def test_check_deploy_warns_when_the_app_would_connect_as_the_owner_of_its_tables():
    one_role = production_env(DATABASE_OWNER_URL="")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=one_role)
    assert result.returncode != 0
    assert "lbp_pathway.W001" in result.stderr and "DATABASE_OWNER_URL is not set" in result.stderr
    same_role = production_env(DATABASE_URL=os.environ["DATABASE_OWNER_URL"])
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=same_role)
    assert "lbp_pathway.W002" in result.stderr
