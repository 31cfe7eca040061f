"""Redis down (the task queue and the cache) must not break a request; the database down
answers 503, not 500 (`DatabaseOutageMiddleware`).

Putting a job on the task queue: see `enqueue`. The cache holds counters only (the public
form's rate limit, the login guard): its callers catch `CACHE_ERRORS`, log them and let the
request through, as with an empty cache.

The queue is Redis (or a SQLite file beside the database). When it is unreachable, the work
that was being queued is never lost with it: each caller's state stays in the database
(a run or a report «queued», a message «pending», a case without its analysis) and a periodic
sweep queues it again once the queue is back. So a failed enqueue is logged, not raised: the
citizen's message or the officer's order is already committed and must not end in an error.
"""

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What the huey storages raise when their server or file is unreachable.
QUEUE_ERRORS = (RedisError, sqlite3.Error, OSError)
# What Django's Redis and file caches raise when theirs is.
CACHE_ERRORS = (RedisError, OSError)


def enqueue(task: Callable[..., Any], *args: Any) -> bool:
    """Queue `task(*args)`; False (and a warning in the log) when the queue is down."""
    try:
        task(*args)
    except QUEUE_ERRORS as exc:
        name = getattr(getattr(task, "func", task), "__qualname__", repr(task))
        log.warning("task queue unavailable, %s not queued (a sweep will catch up): %s", name, exc)
        return False
    return True


class DatabaseOutageMiddleware:
    """The database unreachable (restarting, failing over): 503 with Retry-After instead of a
    500, JSON for the API and Open311, a short page for people. Django reconnects on the next
    request (CONN_HEALTH_CHECKS), so a client that retries loses nothing."""

    RETRY_AFTER_S = 5

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, OperationalError | InterfaceError):
            return None
        log.error("database unavailable, answered 503: %s", exc)
        message = "База данных временно недоступна. Повторите запрос через несколько секунд."
        response: HttpResponse
        if request.path.startswith(("/api/", "/open311/")):
            response = JsonResponse({"code": "unavailable", "message": message}, status=503)
        else:
            response = HttpResponse(
                f"<!doctype html><meta charset=utf-8><title>Вече</title><p>{message}</p>",
                status=503,
            )
        response["Retry-After"] = str(self.RETRY_AFTER_S)
        return response
