"""The app as `make run` serves it, plus one bench-only switch: a request carrying the header
`X-Bench-Audit: off` writes no audit row (bench/hotpages.py measures the episode page with and without).

Why here and not a setting: an audit kill switch in the app's settings would be one environment variable
away from production. This module is only ever named on the bench's own gunicorn command line, so the
served app has no way to turn its audit off. The switch is per request (a context variable, safe with
gunicorn's threads), so both variants run in the same server under the same load, interleaved.
"""

from __future__ import annotations

import contextvars
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lbp_pathway.wsgi import application as django_application  # noqa: E402  (sets Django up)

# isort: split
from lbp_pathway.models import AuditEvent  # noqa: E402

audit_off = contextvars.ContextVar("audit_off", default=False)
_save = AuditEvent.save


def _save_unless_off(self: AuditEvent, *args: Any, **kwargs: Any) -> None:
    if not audit_off.get():
        _save(self, *args, **kwargs)


AuditEvent.save = _save_unless_off  # type: ignore[method-assign]


def application(environ: dict[str, Any], start_response: Any) -> Any:
    token = audit_off.set(environ.get("HTTP_X_BENCH_AUDIT") == "off")
    try:
        # The response is built inside the view: nothing writes audit rows while it is streamed.
        return django_application(environ, start_response)
    finally:
        audit_off.reset(token)
