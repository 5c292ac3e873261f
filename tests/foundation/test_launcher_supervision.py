"""Issue 19: a `make run` launcher that survives its own crash. The crash itself (SIGKILL of a real
launcher, then a clean start on the same folder and port, and a second launcher refused) is part of the
one launcher journey in tests/foundation/test_make_run.py, so the suite starts the stack once for it;
here, how a new launcher stops what a dead one left."""

import json
import subprocess
import sys
import time

import psutil

from lbp_pathway import devstack
from tests.foundation.test_make_run import gone


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
