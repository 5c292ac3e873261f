"""gunicorn's access and error logs without PHI or bearer tokens (issue 14).

gunicorn writes the request line as the browser sent it: the front desk's search strings (names,
health card numbers) in query strings, and each patient questionnaire link with its token. This logger
class (named by gunicorn.conf.py, which `make run` and the Dockerfile pass with
`--config gunicorn.conf.py`) logs the path without its query string and with every
token-like path segment masked, drops the referer, cookie and environ atoms, and passes both of
gunicorn's logs through the scrubber every other log handler uses (lbp_pathway/phi_logging.py),
written as JSON lines when LOG_FORMAT is json (production's default), like the app's own logs.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from gunicorn.glogging import Logger

from lbp_pathway.phi_logging import TOKEN_MASK, JsonFormatter, ScrubPersonalInformation

# A path segment of 20 or more URL-safe characters: a token (questionnaire links carry 43), never one
# of the app's own words or record ids.
_TOKEN_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{20,}(?=/|$)")
# Request headers that carry secrets or whole URLs with their query strings.
_DROPPED_HEADERS = frozenset({"{cookie}i", "{authorization}i", "{referer}i", "{set-cookie}o"})


def loggable_path(target: str) -> str:
    """The path of a request target or URL, without query string or fragment, tokens masked."""
    path = urlsplit(target).path if target else ""
    return _TOKEN_SEGMENT.sub(TOKEN_MASK, path) or "-"


class ScrubbedLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type information
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")
        as_json = settings.LOG_FORMAT == "json"
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, ScrubPersonalInformation) for f in log.filters):
                log.addFilter(ScrubPersonalInformation())
            if as_json:
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("RAW_URI") or environ.get("PATH_INFO", ""))
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms["r"] = f"{method} {path} {protocol}"
        atoms["U"] = path
        atoms["q"] = ""
        referer = environ.get("HTTP_REFERER")
        atoms["f"] = loggable_path(referer) if referer else "-"
        for key in [k for k in atoms if k in _DROPPED_HEADERS or k.endswith("}e")]:
            del atoms[key]
        return atoms
