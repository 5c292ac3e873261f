"""gunicorn's settings for `make run` (lbp_pathway/devstack.py) and the Docker image; the command line
adds only --bind. Environment: WEB_CONCURRENCY (worker processes), WEB_THREADS (threads each),
WEB_MAX_REQUESTS (requests before a worker is replaced), PROMETHEUS_MULTIPROC_DIR (an empty folder
where every worker writes its /metrics samples, so a scrape sees all of them; `make run` sets it).

A page spends much of its time waiting for PostgreSQL, so each worker process serves several requests
at once on threads (gthread); processes, one per core plus a spare for each, use the cores. Every thread
keeps its database connection open between requests (CONN_MAX_AGE in lbp_pathway/settings.py), so a
web container opens up to workers x threads connections.
"""

import os
import shutil

from prometheus_client import multiprocess


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {value!r}.")
    return int(value)


# The cores this process may run on (a container's cpuset), not the machine's.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

workers = _count("WEB_CONCURRENCY", 2 * CORES + 1)
worker_class = "gthread"
threads = _count("WEB_THREADS", 4)
# Replace a worker after this many requests (jittered so they do not all restart together): a slow
# leak in a library cannot grow without bound.
max_requests = _count("WEB_MAX_REQUESTS", 1000)
max_requests_jitter = max(1, max_requests // 10)
# Load Django once in the master, then fork: quicker worker starts and restarts, shared memory, and a
# missing DATABASE_URL stops gunicorn at once with the message of lbp_pathway/wsgi.py.
preload_app = True
timeout = 60  # a report or PDF may take a while; a stuck worker is still replaced
graceful_timeout = 30
keepalive = 5
accesslog = "-"
# Access and error logs without query strings, tokens or PHI (lbp_pathway/gunicorn_logging.py).
logger_class = "lbp_pathway.gunicorn_logging.ScrubbedLogger"


def on_starting(server: object) -> None:
    """The master empties the samples folder before the first worker starts (stale files of an
    earlier run would be added to this one's)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    """A worker that exits hands its live samples back (prometheus_client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
