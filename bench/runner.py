"""One benchmark run, after Django is set up on a scratch database (see cli.py)."""

import argparse
import os
import platform
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import django
from django.utils import timezone

from veche.cases.models import Event

from .creation import create_through_service, raw_baseline, redeliver
from .measure import database_size, memory_mb
from .queries import Actor, data_profile, measure_card, measure_inbox, random_ids
from .report import table, write_json
from .world import build_world, executor_department, find_actors


def run(args: argparse.Namespace, db: Path) -> Path:
    started = timezone.now()
    result: dict[str, Any] = {
        "name": args.name,
        "started_at": started.isoformat(),
        "arguments": vars(args) | {"db": str(db)},
        "environment": _environment(),
    }
    if args.reuse is None:
        result["creation"] = _create(args, started)
    result["data"] = data_profile()
    result["database"] = database_size(db)
    if args.reuse is None and not args.skip_raw:
        _add_raw(result["creation"], db, args.batch_size)
    actors = _actors()
    print("measuring the inbox and the card …", file=sys.stderr)
    result["inbox"] = [row for actor in actors for row in measure_inbox(actor, args.repeat)]
    result["card"] = [measure_card(a, random_ids(a, args.cards, args.seed)) for a in actors]
    result["memory"] = memory_mb()
    result["environment"]["load_after"] = _load()
    result["finished_at"] = timezone.now().isoformat()
    path = write_json(result, args.name, started)
    print(table(result))
    print(f"\nJSON: {path}")
    return path


def _create(args: argparse.Namespace, now: datetime) -> dict[str, Any]:
    world = build_world()
    service = create_through_service(world, args.cases, now, args.seed, args.batch_size)
    redelivery = redeliver(world, args.cases, now, args.seed, args.batch_size)
    events = Event.objects.count()
    return {
        "service": {
            "cases": service.cases,
            "events": events,
            "seconds": round(service.seconds, 1),
            "generation_seconds": round(service.generation_seconds, 1),
            "cases_per_s": service.cases / service.seconds,
            "events_per_s": events / service.seconds,
            "slices": service.slices,
        },
        "redelivery": redelivery,
    }


def _add_raw(creation: dict[str, Any], db: Path, batch_size: int) -> None:
    runs = raw_baseline(db, batch_size)
    cases, events = runs["cases_case"], runs["cases_event"]
    service = creation["service"]
    cases_rate, events_rate = cases.rows / cases.seconds, events.rows / events.seconds
    per_case = cases.seconds / cases.rows + events.seconds / cases.rows
    creation["raw"] = {
        "cases": cases.rows,
        "cases_seconds": round(cases.seconds, 1),
        "cases_per_s": cases_rate,
        "events": events.rows,
        "events_seconds": round(events.seconds, 1),
        "events_per_s": events_rate,
        "cases_with_events_per_s": 1 / per_case,
    }
    creation["ratio_cases"] = service["cases_per_s"] / cases_rate
    creation["ratio_cases_with_events"] = service["cases_per_s"] * per_case


def _actors() -> list[Actor]:
    _, operator, executor = find_actors()
    department = executor_department(executor)
    return [
        Actor("МЦУ operator", operator, department),
        Actor("dept. executor", executor, department),
    ]


def _environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "commit": _commit(),
        "load_before": _load(),
    }


def _commit() -> str:
    """The checked-out commit, read from .git (src changes between runs: keep them apart)."""
    git = Path(__file__).resolve().parent.parent / ".git"
    head = (git / "HEAD").read_text().strip()
    if not head.startswith("ref: "):
        return head
    ref = head.removeprefix("ref: ")
    if (git / ref).exists():
        return (git / ref).read_text().strip()
    packed = (git / "packed-refs").read_text().splitlines()
    return next((line.split()[0] for line in packed if line.endswith(" " + ref)), "unknown")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())
