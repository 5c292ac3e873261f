"""A fixed-window count of self-referral submissions per client address, in the shared cache."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

DEFAULT_LIMIT = 5
DEFAULT_WINDOW_SECONDS = 3600


def allow_submission(address: str | None) -> bool:
    """Count this submission; False once the address has used its allowance in the window."""
    limit = int(getattr(settings, "SELF_REFERRAL_RATE_LIMIT", DEFAULT_LIMIT))
    window = int(getattr(settings, "SELF_REFERRAL_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))
    key = f"patients:selfref:{address or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
