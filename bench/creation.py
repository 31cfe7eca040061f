"""Bulk creation: through `record_cases`, then the same rows again with plain sqlite3.

The service run is split into ten equal slices so that a rate which falls as the table grows
shows up. The time spent building drafts (this benchmark's own text generator) is measured
apart and left out of the service rate.

The raw baseline re-reads the rows the service wrote and inserts them with `executemany` into
scratch copies of `cases_case` and `cases_event`: the same columns, indexes, foreign keys and
FTS trigger, one transaction per batch, only the insert timed. The ratio of the two rates is
the price of the service layer (drafts → model objects, lemmas, workflow checks, bulk_create).
"""

import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from django.db import connection
from django.test.utils import CaptureQueriesContext
from tqdm import tqdm

from veche.cases.services import record_cases

from .histories import cases
from .measure import query_plan
from .world import World

T = TypeVar("T")
SLICES = 10


@dataclass
class Clock:
    seconds: float = 0.0


@dataclass
class ServiceRun:
    cases: int = 0
    seconds: float = 0.0
    generation_seconds: float = 0.0
    slices: list[dict[str, float]] = field(default_factory=list)


def create_through_service(
    world: World, count: int, now: datetime, seed: int, batch_size: int
) -> ServiceRun:
    run = ServiceRun()
    source = cases(world, count, now, seed)
    clock = Clock()
    with tqdm(total=count, unit="case", desc="record_cases", mininterval=2, smoothing=0.05) as bar:
        for index in range(SLICES):
            size = count * (index + 1) // SLICES - count * index // SLICES
            items = _timed(_take(source, size), clock, bar)
            spent_before = clock.seconds
            started = time.perf_counter()
            result = record_cases(world.municipality, items, by=None, batch_size=batch_size)
            wall = time.perf_counter() - started
            service = wall - (clock.seconds - spent_before)
            run.cases += result.created
            run.seconds += service
            run.slices.append(
                {"cases": result.created, "seconds": service, "rate": _rate(size, service)}
            )
    run.generation_seconds = clock.seconds
    return run


def redeliver(
    world: World, count: int, now: datetime, seed: int, batch_size: int
) -> dict[str, Any]:
    """Deliver the first batch again (a channel retrying): every case is found and skipped.

    Times the idempotency check of `record_cases` on a full table, with its SQL and plan.
    """
    first = _take(cases(world, count, now, seed), batch_size)  # the same drafts as before
    items = [(draft, steps) for draft, steps in first if draft.external_id]
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = record_cases(world.municipality, items, by=None, batch_size=batch_size)
        seconds = time.perf_counter() - started
    lookup = next(q["sql"] for q in queries.captured_queries if '"external_id" IN' in q["sql"])
    return {
        "items": len(items),
        "skipped": result.skipped,
        "created": result.created,
        "ms": round(seconds * 1000, 1),
        "lookup_sql": lookup[:400] + " …" if len(lookup) > 400 else lookup,
        "lookup_plan": query_plan(lookup),
    }


def _take(source: Iterator[T], size: int) -> Iterator[T]:
    for _ in range(size):
        yield next(source)


def _timed(items: Iterable[T], clock: Clock, bar: tqdm) -> Iterator[T]:
    """Yield from `items`, adding the time spent producing them to `clock`."""
    iterator = iter(items)
    while True:
        started = time.perf_counter()
        item = next(iterator, None)
        clock.seconds += time.perf_counter() - started
        if item is None:
            return
        bar.update()
        yield item


@dataclass
class RawRun:
    rows: int = 0
    seconds: float = 0.0


def raw_baseline(db: Path, batch_size: int) -> dict[str, RawRun]:
    """Insert the service's cases and events again into scratch tables with executemany."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        runs = {}
        for table, key in (("cases_case", "id"), ("cases_event", "case_id")):
            scratch = _clone_table(conn, table)
            runs[table] = _copy_rows(conn, table, scratch, key, batch_size)
            _drop_clone(conn, scratch)
        return runs
    finally:
        conn.close()


def _copy_rows(conn: sqlite3.Connection, table: str, scratch: str, key: str, batch: int) -> RawRun:
    """Copy in slices of `batch` cases (by case id), timing only BEGIN…executemany…COMMIT."""
    columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] != "id"]
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f'INSERT INTO "{scratch}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    select = f'SELECT {names} FROM "{table}" WHERE "{key}" >= ? AND "{key}" < ?'
    low, high = conn.execute('SELECT MIN(id), MAX(id) FROM "cases_case"').fetchone()
    run = RawRun()
    total = high - low + 1
    with tqdm(total=total, unit="case", desc=f"raw {table}", mininterval=2) as bar:
        for first in range(low, high + 1, batch):
            rows = conn.execute(select, (first, first + batch)).fetchall()
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, rows)
            conn.execute("COMMIT")
            run.seconds += time.perf_counter() - started
            run.rows += len(rows)
            bar.update(min(batch, high + 1 - first))
    return run


SCRATCH_PREFIX = "bench_raw_"


def _clone_table(conn: sqlite3.Connection, table: str) -> str:
    """An empty copy of `table` with its indexes, triggers and external-content FTS table."""
    scratch = SCRATCH_PREFIX + table
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
        "(tbl_name = ? OR (type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' "
        "AND sql LIKE ?)) ORDER BY type = 'trigger', type = 'index'",
        (table, f"%content='{table}'%"),
    ).fetchall()
    for kind, name, sql in rows:
        conn.execute(_renamed(kind, name, sql, table, scratch))
    return scratch


def _renamed(kind: str, name: str, sql: str, table: str, scratch: str) -> str:
    if kind == "index":
        # Index names (case_muni_recv, …) need not contain the table name: prefix them.
        sql = sql.replace(f'"{name}"', f'"{SCRATCH_PREFIX}{name}"', 1)
        return sql.replace(f'ON "{table}"', f'ON "{scratch}"', 1)
    # The table, its FTS table and triggers: every mention, so the trigger feeds the copy's FTS.
    return sql.replace(table, scratch)


def _drop_clone(conn: sqlite3.Connection, scratch: str) -> None:
    names = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name LIKE ? AND type IN ('table', 'trigger')",
        (f"{scratch}%",),
    ).fetchall()
    for kind, name in names:
        if kind == "table" and name.endswith(("_data", "_idx", "_docsize", "_config")):
            continue  # FTS shadow tables go with their virtual table
        conn.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')


def _rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds else 0.0
