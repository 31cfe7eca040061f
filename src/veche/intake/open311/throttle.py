"""A cheap limit on POST requests per API key: a counter per key and minute in the cache.

With the default per-process cache the limit holds per worker process; configure a shared
cache (Redis) to make it exact. It guards against a looping client, not against an attack.
"""

from datetime import datetime

from django.core.cache import cache

POSTS_PER_MINUTE = 60


def allow_post(key: str, *, now: datetime) -> bool:
    slot = f"open311:post:{key}:{now:%Y%m%d%H%M}"
    cache.add(slot, 0, timeout=120)
    try:
        return cache.incr(slot) <= POSTS_PER_MINUTE
    except ValueError:  # expired between add and incr: a new minute has begun
        return True
