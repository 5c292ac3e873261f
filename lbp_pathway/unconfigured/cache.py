"""Cache BACKEND used while REDIS_URL is unset: every use raises, saying how to start Redis."""

from typing import Any

from django.core.cache.backends.base import BaseCache

from lbp_pathway.unconfigured import refuse


class UnconfiguredCache(BaseCache):
    def __init__(self, location: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(params or {})

    add = get = set = touch = delete = has_key = clear = refuse
    get_many = set_many = delete_many = incr = decr = refuse
