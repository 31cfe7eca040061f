"""Small measuring tools: timing statistics, process memory, database file size."""

import math
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection


def repeat(action: Callable[[], object], times: int) -> list[float]:
    """Milliseconds of each of `times` calls of `action`."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def stats(ms: list[float]) -> dict[str, float]:
    """Median and nearest-rank p95; `first` is the cold call, kept inside both."""
    ordered = sorted(ms)
    return {
        "median": round(ordered[len(ordered) // 2] if len(ordered) % 2 else _mid(ordered), 2),
        "p95": round(ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)], 2),
        "first": round(ms[0], 2),
        "max": round(ordered[-1], 2),
        "n": len(ms),
    }


def _mid(ordered: list[float]) -> float:
    half = len(ordered) // 2
    return (ordered[half - 1] + ordered[half]) / 2


def memory_mb() -> dict[str, float]:
    """Peak and current resident memory of this process."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return {
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_mb": round(resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1),
    }


def database_size(path: Path, top: int = 12) -> dict[str, Any]:
    """File sizes after a WAL checkpoint, and the largest tables and indexes (dbstat)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT %s", [top]
        )
        objects = dict(cursor.fetchall())
        cursor.execute("PRAGMA freelist_count")
        free_pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        page_size = cursor.fetchone()[0]
    wal = path.with_name(path.name + "-wal")
    return {
        "file_bytes": path.stat().st_size,
        "wal_bytes": wal.stat().st_size if wal.exists() else 0,
        "free_bytes": free_pages * page_size,
        "largest_objects_bytes": objects,
    }


def query_plan(sql: str) -> list[str]:
    """EXPLAIN QUERY PLAN as indented lines; `sql` is Django's interpolated SQLite text."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%", "%%"))
        rows = cursor.fetchall()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines
