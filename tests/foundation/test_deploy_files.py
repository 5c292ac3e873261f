import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]


def test_dockerfile_installs_exactly_the_lock_that_make_installs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "--requirement requirements.lock" in dockerfile
    assert "--requirement requirements.lock" in makefile
    assert "FROM python:3.11" in dockerfile


def test_compose_runs_the_production_shape_with_health_checks():
    compose = (ROOT / "docker-compose.yml").read_text()
    for service in ("web", "worker", "beat", "postgres", "redis"):
        assert re.search(rf"^  {service}:$", compose, re.M), service
    assert compose.count("healthcheck:") >= 4
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()


def test_debian_docker_compose_accepts_the_file():
    require_tool(
        shutil.which("docker-compose") is not None,
        "Debian's docker-compose",
        "apt-get install docker-compose",
    )
    env = {
        "SECRET_KEY": "x",
        "ALLOWED_HOSTS": "x",
        "POSTGRES_PASSWORD": "owner-secret",
        "POSTGRES_APP_PASSWORD": "runtime-secret",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        ["docker-compose", "config"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # Two database roles (SECURITY.md): only `migrate` has the owner's URL; the app runs as lbp_app.
    services = yaml.safe_load(result.stdout)["services"]
    owner = "postgres://lbp:owner-secret@postgres:5432/lbp"
    runtime = "postgres://lbp_app:runtime-secret@postgres:5432/lbp"
    assert services["migrate"]["environment"]["DATABASE_OWNER_URL"] == owner
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"] == runtime, name
    for name in ("web", "worker", "beat"):
        assert "DATABASE_OWNER_URL" not in services[name]["environment"], name
    assert services["postgres"]["environment"]["POSTGRES_APP_PASSWORD"] == "runtime-secret"
    init = ROOT / "docker" / "postgres-init" / "10-runtime-role.sh"
    assert any(
        str(v).endswith(":/docker-entrypoint-initdb.d:ro") for v in services["postgres"]["volumes"]
    )
    assert "CREATE ROLE lbp_app LOGIN NOSUPERUSER" in init.read_text()


def test_compose_streams_a_read_replica_of_postgres_18_for_the_reports():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert re.search(r"^  postgres-replica:$", compose, re.M)
    assert compose.count("image: postgres:18") == 2  # primary and replica: one major version
    # The app reads reports from the replica; the replica copies and then follows the primary.
    assert re.search(
        r"DATABASE_REPLICA_URL: postgres://lbp_app:.+@postgres-replica:5432/lbp", compose
    )
    assert "pg_basebackup --host=postgres" in compose and "--write-recovery-conf" in compose
    slot = re.search(r"--slot=(\w+)", compose)
    assert slot is not None
    init = ROOT / "docker" / "postgres-init" / "20-replication.sh"  # mounted with the role script
    script = init.read_text()
    assert "host replication" in script
    assert f"pg_create_physical_replication_slot('{slot[1]}')" in script
