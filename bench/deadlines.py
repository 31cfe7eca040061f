"""`bash bench/run deadlines [--cases 1000000]`: recompute every open clock of a municipality.

Builds `--cases` cases (default 200,000; `--cases 1000000` for the full figure, a few minutes
of set-up) with one open clock each on a scratch SQLite file, by raw inserts: 40% 59-ФЗ
answers (calendar days), 40% ПОС answers (working days), 20% ИМ first reactions (clock
hours), received over 2024–2026, 5% with a finished pause, 2% extended. Their due dates are
computed once; then a day off is added for the municipality (a late decree) and two things
are timed over the same rows:

- `recompute_open_clocks(municipality)`: the service, reading in chunks, writing the moved
  clocks and their Events;
- a plain loop, run first: the same rows read with sqlite3 and `due_at` called for each,
  writing nothing.

Figures, never pass or fail; written to bench/results/deadlines-<UTC time>.json.
"""

import argparse
import json
import platform
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .report import write_json
from .scratch import scratch


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run deadlines", description=__doc__)
    parser.add_argument("--cases", type=int, default=200_000, help="cases with an open clock")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder parent")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch("veche-deadlines-", keep=args.keep, workdir=args.workdir) as folder:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        result = _run(args, folder / "bench.sqlite3")
    started = datetime.now(UTC)
    path = write_json(result, "deadlines", started)
    for key, value in result.items():
        print(f"{key:>28}: {value}")
    print(f"written: {path}")
    return 0


def _run(args: argparse.Namespace, db: Path) -> dict[str, Any]:
    from veche.catalog.models import Channel
    from veche.deadlines.calendar_store import calendar_for
    from veche.deadlines.models import CalendarOverride, DeadlinePolicy
    from veche.deadlines.services import recompute_open_clocks
    from veche.org.models import Municipality

    municipality = Municipality.objects.create(name="Бенчмарк", oktmo="99999999")
    channel = Channel.objects.get(code="pos")
    policies = {(p.regime, p.kind): p for p in DeadlinePolicy.objects.filter(municipality=None)}
    mix = [
        (0.4, policies["appeal", "answer"]),
        (0.4, policies["message", "answer"]),
        (0.2, policies["incident", "first_reaction"]),
    ]
    calendar = calendar_for(municipality)
    t0 = time.perf_counter()
    _build(db, args, municipality.pk, channel.pk, mix, calendar)
    built = time.perf_counter() - t0

    CalendarOverride.objects.create(
        municipality=municipality, date=date(2025, 7, 15), kind="day_off", reason="бенчмарк"
    )
    t0 = time.perf_counter()
    moved = _plain_loop(db, municipality.pk, calendar_for(municipality))
    plain = time.perf_counter() - t0

    t0 = time.perf_counter()
    recomputed = recompute_open_clocks(municipality, by=None, now=datetime.now(UTC))
    service = time.perf_counter() - t0
    return {
        "cases": args.cases,
        "build_s": round(built, 1),
        "recompute_s": round(service, 2),
        "recompute_checked": recomputed.checked,
        "recompute_changed": recomputed.changed,
        "recompute_clocks_per_s": round(recomputed.checked / service),
        "plain_loop_s": round(plain, 2),
        "plain_loop_would_move": moved,
        "service_over_plain": round(service / plain, 2),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def _build(
    db: Path,
    args: argparse.Namespace,
    municipality_id: int,
    channel_id: int,
    mix: list[tuple[float, Any]],
    calendar: Any,
) -> None:
    """Raw inserts of cases and their clocks, due dates computed once by the same function."""
    from veche.deadlines.clocks import due_at

    rng = random.Random(args.seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 12, 1, tzinfo=UTC) - start).total_seconds()
    weights = [w for w, _ in mix]
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA synchronous=OFF")
    now = _sql(datetime.now(UTC))
    batch = 20_000
    for first in range(0, args.cases, batch):
        cases, clocks = [], []
        for i in range(first, min(first + batch, args.cases)):
            policy = rng.choices(mix, weights)[0][1]
            received = start + timedelta(seconds=rng.random() * span)
            pauses: list[list[str]] = []
            if rng.random() < 0.05:
                paused = received + timedelta(days=1)
                pauses = [[paused.isoformat(), (paused + timedelta(days=3)).isoformat()]]
            extended = policy.max_extension if rng.random() < 0.02 else 0
            pause_list = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pauses]
            due = due_at(calendar, policy.term, received, extension=extended, pauses=pause_list)
            cases.append(
                (i + 1, municipality_id, f"Б-{i + 1:07d}", policy.regime, channel_id, "",
                 "registered", _sql(received), _sql(received), "", "текст",
                 "", 2, "", now)
            )  # fmt: skip
            clocks.append(
                (i + 1, municipality_id, policy.kind, 1, policy.pk, "running",
                 _sql(received), _sql(due), _json(pauses), extended, "")
            )  # fmt: skip
        connection.executemany(
            "INSERT INTO cases_case (id, municipality_id, number, regime, channel_id, external_id,"
            " status, received_at, registered_at, subject, text, address_raw, priority,"
            " search_lemmas, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            cases,
        )
        connection.executemany(
            "INSERT INTO deadlines_clock (case_id, municipality_id, kind, number, policy_id, state,"
            " started_at, due_at, pauses, extended_by, extension_reason)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            clocks,
        )
        connection.commit()
        print(f"built {min(first + batch, args.cases):,} cases", flush=True)
    connection.close()


def _json(pauses: list[list[str]]) -> str:
    return json.dumps(pauses)


def _sql(moment: datetime) -> str:
    """How Django stores a datetime on SQLite: naive UTC text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _plain_loop(db: Path, municipality_id: int, calendar: Any) -> int:
    """The arithmetic alone: every open clock read with sqlite3, its due date recomputed
    with `due_at`, no memo, no writes. Returns how many would move."""
    from veche.deadlines.clocks import Term, due_at
    from veche.deadlines.models import DeadlinePolicy

    terms: dict[int, Term] = {p.pk: p.term for p in DeadlinePolicy.objects.all()}
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT policy_id, started_at, due_at, pauses, extended_by FROM deadlines_clock"
        " WHERE municipality_id = ? AND state IN ('running', 'paused')",
        (municipality_id,),
    )
    moved = 0
    for policy_id, started, due, pauses, extended in rows:
        start = _utc(started)
        pause_list = [
            (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in json.loads(pauses)
        ]
        new = due_at(calendar, terms[policy_id], start, extension=extended, pauses=pause_list)
        moved += new != _utc(due)
    connection.close()
    return moved
