"""Fixed-window request limits in the shared cache (Redis, or files beside the database):
the public form per client address, Open311 posts per API key.

A guard against a looping client or a flood from one address, not against a distributed
attack. With the file cache two simultaneous requests may both pass the last slot; with
Redis the count is exact.
"""

import logging
from datetime import datetime

from django.core.cache import cache

from veche.web.outages import CACHE_ERRORS

log = logging.getLogger(__name__)


def within_limit(scope: str, key: str, *, limit: int, window_s: int, now: datetime) -> bool:
    """Count one more request of `key` in the current window; False once over `limit`.
    With the cache down nothing is counted and the request is let through (logged): a
    citizen's message matters more than the flood guard."""
    slot = f"throttle:{scope}:{key}:{int(now.timestamp()) // window_s}"
    try:
        cache.add(slot, 0, timeout=window_s * 2)
        try:
            return int(cache.incr(slot)) <= limit
        except ValueError:  # expired between add and incr: a new window has begun
            cache.set(slot, 1, timeout=window_s * 2)
            return True
    except CACHE_ERRORS as exc:
        log.warning("cache unavailable, %s limit not checked: %s", scope, exc)
        return True
