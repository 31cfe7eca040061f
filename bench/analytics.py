"""`bash bench/run analytics [--cases 1000000]`: the analytics store against a plain GROUP BY.

Builds `--cases` cases with their histories through `record_cases` (the main benchmark's
world, `histories.py`; 60% of them carry a point), adds answer checks and satisfaction
surveys (bench-only bulk rows, see `_feedback`), then times:

- `rebuild_rollups()`: the whole store built from the case tables;
- `update_rollups()` after a further batch of events: `--increment` new cases through
  `record_cases` and `--replies` survey replies through `feedback.services.rate_survey`; and
  once more with nothing new (the idle tick of the periodic job);
- each reading scenario (dashboard for a quarter, a two-dimension slice, …): ours, the first
  call and the median of `--repeat` more, next to the same figures computed by plain SQL over
  the case tables (`analytics_baseline.py`), checked number for number.

Figures, never pass or fail; written to bench/results/analytics-<UTC time>.json.
"""

import argparse
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .scratch import scratch


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run analytics", description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to create")
    parser.add_argument("--batch-size", type=int, default=2000, help="record_cases batch size")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each scenario after the first"
    )
    parser.add_argument(
        "--increment", type=int, default=2000, help="new cases before update_rollups"
    )
    parser.add_argument(
        "--replies", type=int, default=500, help="survey replies before update_rollups"
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="with --reuse: no rebuild, no increment; the reading scenarios on the store as kept",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build the data and keep it (for --reuse later); measure nothing",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder parent")
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        metavar="DB",
        help="measure on a database a --keep or --build-only run left (or a copy): no building",
    )
    args = parser.parse_args(argv)
    if args.reads_only and args.reuse is None:
        parser.error("--reads-only measures a kept database: give it with --reuse")
    if args.build_only and args.reuse is not None:
        parser.error("--build-only builds a new database; --reuse measures a kept one")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    reuse = args.reuse.resolve() if args.reuse else None
    keep = args.keep or args.build_only
    with scratch("veche-analytics-", keep=keep, workdir=args.workdir, db=reuse) as folder:
        import django
        from django.core.management import call_command

        django.setup()
        # A kept database gets the migrations written since it was built, too.
        call_command("migrate", interactive=False, verbosity=0)
        if args.build_only:
            from django.utils import timezone

            print(_build(args, timezone.now())[1])
            return 0
        _run(args, reuse or folder / "bench.sqlite3")
    return 0


def _run(args: argparse.Namespace, db: Path) -> None:
    from django.utils import timezone

    from .measure import database_size, memory_mb
    from .report import write_json
    from .runner import _environment, _load

    started = timezone.now()
    result: dict[str, Any] = {
        "name": "analytics",
        "started_at": started.isoformat(),
        "arguments": vars(args) | {"db": str(db)},
        "environment": _environment(),
    }
    if args.reuse is None:
        world, result["building"] = _build(args, started)
    elif not args.reads_only:
        world = _kept_world()
    if not args.reads_only:
        result["store"] = _store(args, world)
    result["data"] = _profile()
    result["scenarios"] = _scenarios(args.repeat, timezone.now())
    result["database"] = database_size(db)
    result["memory"] = memory_mb()
    result["environment"]["load_after"] = _load()
    result["finished_at"] = timezone.now().isoformat()
    path = write_json(result, "analytics", started)
    print(table(result))
    print(f"\nJSON: {path}")


# --- the data ------------------------------------------------------------------------------------


def _build(args: argparse.Namespace, now: datetime) -> tuple[Any, dict[str, Any]]:
    from .creation import create_through_service
    from .world import build_world

    world = build_world()
    service = create_through_service(world, args.cases, now, args.seed, args.batch_size)
    started = time.perf_counter()
    feedback = _feedback(now, args.seed)
    return world, {
        "record_cases_s": round(service.seconds, 1),
        "cases_per_s": round(service.cases / service.seconds),
        "feedback_rows_s": round(time.perf_counter() - started, 1),
        **feedback,
    }


CHUNK = 20_000


def _feedback(now: datetime, seed: int) -> dict[str, int]:
    """Bench-only: an answer check and a survey for every sent final answer, a reply to 35%.

    `record_cases` replays an imported history without the signals that check an answer
    before approval and ask the citizen after sending, so these rows would be missing and
    the brush-off, satisfaction and «решено» figures empty. They are written directly with
    `bulk_create`, without the «оценка» Events the survey service would add: the facts read
    the survey table, so the store and the baseline see the same data.
    """
    from veche.cases.models import Answer
    from veche.feedback.models import AnswerCheck, Survey

    rng = random.Random(seed + 1)
    answers = Answer.objects.filter(kind=Answer.Kind.FINAL, sent_at__isnull=False).order_by("pk")
    checks = surveys = replies = 0
    last = 0
    while rows := list(answers.filter(pk__gt=last).values_list("pk", "case_id", "sent_at")[:CHUNK]):
        last = rows[-1][0]
        new_checks, new_surveys = [], []
        for pk, case_id, sent in rows:
            assert sent is not None
            brush_off = rng.random() < 0.07
            new_checks.append(
                AnswerCheck(
                    answer_id=pk, checked_at=sent, brush_off=brush_off,
                    score=0.8 if brush_off else 0.1, findings=[],
                )
            )  # fmt: skip
            survey = Survey(
                case_id=case_id, answer_id=pk, nonce=f"{rng.getrandbits(64):016x}",
                asked_via="web", created_at=sent, expires_at=sent + timedelta(days=14),
            )  # fmt: skip
            answered = sent + timedelta(minutes=rng.uniform(10, 5 * 24 * 60))
            if rng.random() < 0.35 and answered < now:
                survey.answered_at, survey.answered_via = answered, "web"
                survey.rating = rng.choices((1, 2, 3, 4, 5), weights=(10, 6, 12, 25, 47))[0]
                survey.solved = rng.choices((True, False, None), weights=(55, 20, 25))[0]
                survey.outcome = "unchanged" if survey.rating >= 4 else "review"
                replies += 1
            new_surveys.append(survey)
        AnswerCheck.objects.bulk_create(new_checks, batch_size=2000)
        Survey.objects.bulk_create(new_surveys, batch_size=2000)
        checks, surveys = checks + len(new_checks), surveys + len(new_surveys)
    return {"answer_checks": checks, "surveys": surveys, "survey_replies": replies}


def _store(args: argparse.Namespace, world: Any) -> dict[str, Any]:
    from veche.analytics.rollups import rebuild_rollups, update_rollups
    from veche.cases.models import Event

    print("rebuild_rollups …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    cases = rebuild_rollups()
    found: dict[str, Any] = {"rebuild_cases": cases, "rebuild_s": _since(started)}
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    increment = _increment(args, world)
    events = Event.objects.filter(pk__gt=last).count()
    print(f"update_rollups after {events:,} new events …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    read = update_rollups()
    found |= {"increment": increment, "new_events": events, "update_events_read": read}
    found["update_s"] = _since(started)
    started = time.perf_counter()
    found["idle_update_events_read"] = update_rollups()
    found["idle_update_s"] = _since(started)
    return found


def _increment(args: argparse.Namespace, world: Any) -> dict[str, Any]:
    """New cases through `record_cases` (an import spread over the year: its external ids are
    new) and survey replies through the feedback service, timed apart from the update."""
    from django.utils import timezone

    from veche.cases.services import record_cases
    from veche.feedback.models import Survey
    from veche.feedback.services import Rating, rate_survey

    from .histories import cases

    now = timezone.now()
    prefix = f"inc{now:%H%M%S}-"  # new external ids, also on a kept database measured again
    drafts = (
        (replace(draft, external_id=prefix + draft.external_id if draft.external_id else ""), steps)
        for draft, steps in cases(world, args.increment, now, args.seed + 7)
    )
    started = time.perf_counter()
    created = record_cases(world.municipality, drafts, by=None, batch_size=args.batch_size).created
    cases_s = _since(started)
    rng = random.Random(args.seed + 8)
    open_surveys = Survey.objects.filter(answered_at__isnull=True, expires_at__gt=now)
    started = time.perf_counter()
    rated = 0
    for survey in open_surveys.order_by("pk")[: args.replies]:
        mark = rng.choices((1, 2, 3, 4, 5), weights=(10, 6, 12, 25, 47))[0]
        rate_survey(survey, Rating(mark, rng.random() < 0.7), via="web", now=timezone.now())
        rated += 1
    return {"cases": created, "cases_s": cases_s, "replies": rated, "replies_s": _since(started)}


def _kept_world() -> Any:
    """The `World` of a database a --keep run built (world.py made it; read it back)."""
    from veche.catalog.models import Channel
    from veche.org.models import Department, Membership, Role, Territory

    from .corpus import STREETS
    from .world import DEPARTMENTS, World, _family_topics, find_actors

    muni, operator, executor = find_actors()
    by_name = dict(Department.objects.filter(municipality=muni).values_list("name", "pk"))
    departments = {key: by_name[name] for key, (name, _, _) in DEPARTMENTS.items()}
    executors = Membership.objects.filter(municipality=muni, role=Role.EXECUTOR)
    districts = list(
        Territory.objects.filter(municipality=muni, kind=Territory.Kind.DISTRICT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return World(
        municipality=muni,
        operator=operator,
        executor=executor,
        departments=departments,
        executors={m.department_id: m.user_id for m in executors if m.department_id},
        territorial=tuple(departments[k] for k, (_, _, own) in DEPARTMENTS.items() if own),
        district_of_street=tuple(districts[i % len(districts)] for i in range(len(STREETS))),
        topics=_family_topics(),
        channels={c.code: c for c in Channel.objects.all()},
    )


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)


def _profile() -> dict[str, int]:
    from veche.analytics.models import CaseFact, DailyRollup
    from veche.cases.models import Answer, Case, Event
    from veche.deadlines.models import Clock
    from veche.feedback.models import Survey

    return {
        "cases": Case.objects.count(),
        "located": Case.objects.filter(lat__isnull=False).count(),
        "events": Event.objects.count(),
        "answers": Answer.objects.count(),
        "clocks": Clock.objects.count(),
        "surveys_answered": Survey.objects.filter(answered_at__isnull=False).count(),
        "facts": CaseFact.objects.count(),
        "rollup_rows": DailyRollup.objects.count(),
    }


# --- the scenarios -------------------------------------------------------------------------------


def _scenarios(repeat: int, now: datetime) -> list[dict[str, Any]]:
    from .analytics_scenarios import scenarios

    found = []
    for scenario in scenarios(now):
        print(f"measuring: {scenario.name} …", file=sys.stderr, flush=True)
        found.append(_measure(scenario, repeat))
    return found


def _measure(scenario: Any, repeat: int) -> dict[str, Any]:
    row: dict[str, Any] = {"name": scenario.name, "what": scenario.what}
    if scenario.absent:
        return row | {"absent": scenario.absent}
    try:  # one broken scenario must not cost the figures of a long run
        ours, row["ours_ms"] = _timed(scenario.ours, repeat)
        mine = scenario.normal(ours)
        if scenario.baseline is None:
            return row | {"baseline": "none"}
        theirs, row["baseline_ms"] = _timed(scenario.baseline, repeat)
    except Exception as exc:
        print(traceback.format_exc(), file=sys.stderr)
        return row | {"absent": f"failed: {type(exc).__name__}: {exc}"[:200]}
    row["values"] = len(list(_leaves(mine)))
    row["difference"] = first_difference(mine, theirs)
    row["ratio"] = round(row["baseline_ms"]["median"] / max(row["ours_ms"]["median"], 0.01), 2)
    return row


def _timed(action: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, Any]]:
    """The result and timings of `action`: the first call apart, then the median of `repeat`."""
    from .measure import repeat as runs
    from .measure import stats

    started = time.perf_counter()
    value = action()
    first = (time.perf_counter() - started) * 1000
    warm = stats(runs(action, repeat)) if repeat else {"median": first, "max": first}
    return value, {"first": round(first, 1), "median": warm["median"], "max": warm["max"]}


def _leaves(tree: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for key in sorted(tree, key=str):
            yield from _leaves(tree[key], f"{path}/{key}")
    elif isinstance(tree, list | tuple):
        for i, value in enumerate(tree):
            yield from _leaves(value, f"{path}[{i}]")
    else:
        yield path, tree


def first_difference(ours: Any, theirs: Any) -> str | None:
    """None when both give the same values at the same places; else the first place that
    differs, with both values. Numbers must be equal exactly (an int equals the same float)."""
    mine, other = dict(_leaves(ours)), dict(_leaves(theirs))
    for path in sorted(mine.keys() | other.keys()):
        a, b = mine.get(path, "(нет)"), other.get(path, "(нет)")
        if a != b:
            return f"{path}: ours {a!r}, baseline {b!r}"
    return None


# --- the table -----------------------------------------------------------------------------------


def table(result: dict[str, Any]) -> str:
    env, data = result["environment"], result["data"]
    lines = [
        f"Veche analytics benchmark: {data['cases']:,} cases ({data['located']:,} with a point),"
        f" {data['events']:,} events, {data['rollup_rows']:,} rollup rows"
        f" · commit {env['commit'][:7]} · SQLite {env['sqlite']} · Python {env['python']}"
        f" · {env['cpus']} CPUs, load {env['load_before']} → {env['load_after']}",
        "",
    ]
    if building := result.get("building"):
        lines.append(
            f"Data: record_cases {building['record_cases_s']:,.0f} s"
            f" ({building['cases_per_s']:,} cases/s); bench-only answer checks and surveys"
            f" {building['feedback_rows_s']:,.0f} s ({building['survey_replies']:,} replies)"
        )
    store = result.get("store")
    if store is None:
        lines.append("Store: as kept (--reads-only), not rebuilt or updated")
        store = {}
    else:
        lines.append(
            f"Store: rebuild_rollups() {store['rebuild_s']:,.1f} s"
            f" for {store['rebuild_cases']:,} cases"
            f" ({store['rebuild_cases'] / max(store['rebuild_s'], 0.001):,.0f} cases/s)"
        )
    if "update_s" in store:
        inc = store["increment"]
        lines += [
            f"       update_rollups() {store['update_s']:,.2f} s for {store['new_events']:,} new"
            f" events ({inc['cases']:,} new cases, {inc['replies']:,} survey replies)",
            f"       update_rollups() with nothing new {store['idle_update_s'] * 1000:,.0f} ms",
        ]
    lines += [
        "",
        f"  {'scenario':<40}{'ours ms':>10}{'first':>9}{'SQL ms':>10}{'first':>9}"
        f"{'SQL/ours':>10}  numbers",
    ]
    for row in result["scenarios"]:
        lines.append(_line(row))
    lines += _footer(result)
    return "\n".join(lines)


def _line(row: dict[str, Any]) -> str:
    if "absent" in row:
        return f"  {row['name']:<40}{row['absent']}"
    ours = row["ours_ms"]
    if "baseline_ms" not in row:
        return f"  {row['name']:<40}{ours['median']:>10,.1f}{ours['first']:>9,.1f}{'—':>10}"
    theirs = row["baseline_ms"]
    verdict = "совпадает" if row["difference"] is None else f"расходится: {row['difference']}"
    return (
        f"  {row['name']:<40}{ours['median']:>10,.1f}{ours['first']:>9,.1f}"
        f"{theirs['median']:>10,.1f}{theirs['first']:>9,.1f}{row['ratio']:>9,.1f}×"
        f"  {verdict} ({row['values']:,} values)"
    )


def _footer(result: dict[str, Any]) -> list[str]:
    memory, size = result["memory"], result["database"]
    largest = ", ".join(
        f"{name} {b / 2**20:,.0f}" for name, b in list(size["largest_objects_bytes"].items())[:8]
    )
    return [
        "",
        "ms: median of the runs after the first; first: the first call in the process.",
        f"Memory: peak RSS {memory['peak_rss_mb']:,.0f} MB"
        f" · database {size['file_bytes'] / 2**20:,.0f} MB; largest, MB: {largest}",
    ]
