"""Readiness checks: can this process serve — the database answers and is migrated, the shared
cache takes a value back, the task queue's storage answers. Each check returns nothing or raises;
failures are logged with their cause but the response names only the failing check."""

import logging
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from huey.contrib.djhuey import HUEY

log = logging.getLogger(__name__)

_migrated = False  # once the schema is current it stays so until the code (the process) changes


class NotReady(Exception):
    pass


def check_database() -> None:
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    if not _migrated:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise NotReady("unapplied migrations: run `veche migrate`")
        _migrated = True


def check_cache() -> None:
    cache = caches["default"]
    key = f"ops:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "1":
        raise NotReady("cache did not return the value it was given")


def check_queue() -> None:
    HUEY.pending_count()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:
            log.error("readiness check %s failed: %s", name, error)
            results[name] = "fail"
        else:
            results[name] = "ok"
    return results
