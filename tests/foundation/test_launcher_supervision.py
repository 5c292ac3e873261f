"""Issue 19: a `make run` launcher that survives its own crash.

Killing the launcher (SIGKILL, so it cannot clean up) must not leave PostgreSQL, Redis, the web server,
the worker or beat running, and the next `make run` on the same data folder and port starts cleanly;
a second launcher while one runs says what runs and how to stop it instead of reporting success.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from lbp_pathway import devstack
from tests.foundation.test_make_run import (
    ROOT,
    ctrl_c,
    free_port,
    launcher_env,
    processes_using,
    start_launcher,
)


def gone(pids: list[int], timeout: float) -> list[int]:
    """The pids still running (not zombies) after waiting up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.5)


@pytest.mark.slow
def test_after_the_launcher_is_killed_make_run_starts_cleanly_on_the_same_port(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("WEB_CONCURRENCY", "1")  # one web worker: quicker to start and stop
    data = tmp_path / "data"
    port = free_port()
    password = "crash-pass-phrase-1"
    first, banner = start_launcher(data, port, password)
    try:
        assert "LBP Pathway is running" in banner, banner[-3000:]
        from_data = [int(line.split(":")[0]) for line in processes_using(data)]
        assert from_data, "PostgreSQL and Redis run from the data folder"
        first_run = sorted(
            set(from_data) | {c.pid for c in psutil.Process(first.pid).children(recursive=True)}
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the launcher's process group: it cannot clean up
        first.wait()

    second, banner = start_launcher(data, port, password)
    try:
        assert f"LBP Pathway is running: http://127.0.0.1:{port}/accounts/login/" in banner, banner[
            -3000:
        ]
        assert "Address already in use" not in banner
        assert gone(first_run, 20) == [], "nothing of the killed run is left"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as response:
            assert response.status == 200

        # A second launcher while this one runs: refused, with what runs and how to stop it.
        third = subprocess.run(
            [sys.executable, "-m", "lbp_pathway.devstack", "run", "--patients", "5"],
            cwd=ROOT,
            env=launcher_env(data, free_port(), password),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert third.returncode == 1
        assert "LBP Pathway is already running" in third.stderr
        assert f"kill -TERM {second.pid}" in third.stderr
        assert f"http://127.0.0.1:{port}/" in third.stderr
        assert "LBP Pathway is running" not in third.stdout
        running = [int(line.split(":")[0]) for line in processes_using(data)]
        running += [c.pid for c in psutil.Process(second.pid).children(recursive=True)]
    finally:
        rest = ctrl_c(second)
    assert second.returncode == 0, rest[-2000:]
    assert gone(running, 10) == []
    assert processes_using(data) == []


def test_a_new_launcher_stops_what_a_dead_one_left(tmp_path):
    """When the watchdog died with the launcher, the next launcher stops what the state file lists
    (here a stand-in web server with a child of its own, in its own session) before starting."""
    root = tmp_path
    web = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, time; subprocess.Popen(['sleep', '300']); "
         "time.sleep(300)"],
        start_new_session=True,
    )  # fmt: skip
    time.sleep(0.5)
    child = psutil.Process(web.pid).children()[0]
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead_launcher = finished.pid  # a launcher that is no longer running
    state = {
        "launcher": dead_launcher,
        "port": "1",
        "processes": {"web": {"pid": web.pid, "started": psutil.Process(web.pid).create_time()}},
    }
    (root / devstack.STATE_FILE).write_text(json.dumps(state))
    # An unrelated process that reused a recorded pid is left alone (the start time differs).
    unrelated = subprocess.Popen(["sleep", "300"], start_new_session=True)
    state["processes"]["beat"] = {"pid": unrelated.pid, "started": 1.0}
    (root / devstack.STATE_FILE).write_text(json.dumps(state))
    try:
        stopped = devstack.stop_leftovers(root)
        assert stopped == [f"web (pid {web.pid})"]
        assert web.wait(timeout=5) is not None
        assert gone([child.pid], 5) == []
        assert unrelated.poll() is None
        assert not (root / devstack.STATE_FILE).exists()
    finally:
        unrelated.kill()
        unrelated.wait()
        web.kill()
        web.wait()
