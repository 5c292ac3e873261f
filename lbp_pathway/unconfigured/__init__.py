"""Stand-ins used by the settings when DATABASE_URL or REDIS_URL is unset.

`lbp_pathway.unconfigured` is a database ENGINE and `lbp_pathway.unconfigured.cache.UnconfiguredCache`
a cache BACKEND: both load without connecting to anything (so the settings import for tools) and raise
ImproperlyConfigured, saying how to start the servers, as soon as something uses them.
"""

from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured

from lbp_pathway.devstack import how_to_start


def refuse(*_: object, **__: object) -> NoReturn:

    raise ImproperlyConfigured(how_to_start())
