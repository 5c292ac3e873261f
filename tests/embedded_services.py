"""Pytest plugin (registered with `-p tests.embedded_services` in pyproject.toml's addopts).

Before pytest-django imports the settings, start the embedded PostgreSQL and Redis for whichever of
DATABASE_URL / REDIS_URL is unset and export the URLs (lbp_pathway.devstack.start_embedded_services), so a
bare `make test` on a fresh clone works; with both URLs set nothing starts. What was started here is
stopped when the run ends.

Under pytest-xdist (`make test` runs the suite in two worker processes) the controller starts the
servers and the workers inherit the URLs: they share the PostgreSQL server (pytest-django gives each its
own test database, test_..._gw0, test_..._gw1) but each worker starts its own Redis, so that the cache
(rate limits, lockouts) and the Celery queues of one worker's tests never reach the other's.
"""

from __future__ import annotations

import os

import pytest

from lbp_pathway import devstack

_services: devstack.EmbeddedServices | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    # tryfirst: ahead of pytest-django's hook, which imports the settings and sets Django up.
    global _services
    if _services is None and not {"-h", "--help", "--version", "-V"} & set(args):
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker and os.environ.get("LBP_EMBEDDED") == "1":
            os.environ.pop("REDIS_URL", None)  # the controller's: start this worker's own
            _services = devstack.start_embedded_services(devstack.data_dir() / "xdist" / worker)
        else:
            _services = devstack.start_embedded_services()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _services
    if _services is not None:
        _services.stop()
        _services = None
