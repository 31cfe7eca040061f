"""`bash bench/run recurring [--cases 20000]`: recurring-problem detection, precision and recall.

Builds one municipality (the main benchmark's world) with `--cases` background cases over
`--months` months before a fixed now, plus `--planted` recurring problems of each kind, hard
negatives that must not come out, and named problems whose cases must stay out; then runs
`veche.problems.recurring.find_candidates` and scores it:

- a planted problem is found when one candidate holds more than half of its cases;
- a candidate is a true positive when at least half of its cases are one planted problem's (a
  blob of everything matches nothing; a planted problem split in two gives two true
  candidates, neither of which may find it);
- precision over all candidates and over the first 50 (the page), recall per kind.

The background is the corpus of the main benchmark (`corpus.compose`: 18 problem families
with their seasons, 40 streets × 150 houses), with the channel mix of an МЦУ, 30% of the
cases by citizens who write more than once, 2% spam. Rows are written with `bulk_create`,
not through `record_cases` and the triage pipeline: what is measured is the detector, so the
analysis is simulated with stated error rates (`_reading`): topic wrong in 8%, the address
read in 85% of the texts that have one, half of the houses in the gazetteer, a citizen's
own point on 40% of the cases. Texts are the masked texts (the corpus has no personal data);
`search_lemmas` is `cases.search.index_text`, as the service writes it.

Planted (each with distinct citizens, several channels):
- place: a family's topic at one house, 5–14 citizens over 2–10 months;
- phrase: one of `PHRASES` (three wordings sharing their key words), 5–14 citizens from 2–4
  channels within 3–10 weeks, no common place;
- seasonal: a family's topic at one house in the same one or two months of 2025 and 2026,
  2–3 citizens each time.
Hard negatives: a burst (6–12 citizens at one house within three days), a citizen writing
5–8 times about one house. Named: place problems named by an officer (their cases must not
appear in any candidate).

Figures, never pass or fail; written to bench/results/recurring-<UTC time>.json.
"""

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .recurring_data import NOW, Planted, build
from .scratch import scratch


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run recurring", description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000, help="background cases")
    parser.add_argument("--months", type=int, default=24, help="months of cases before now")
    parser.add_argument("--planted", type=int, default=20, help="planted problems of each kind")
    parser.add_argument(
        "--cases-per-street", type=int, default=40, help="background cases per street (town size)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the first")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder parent")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch("veche-recurring-", keep=args.keep, workdir=args.workdir):
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        _run(args)
    return 0


def _run(args: argparse.Namespace) -> None:
    from .measure import memory_mb
    from .report import write_json
    from .runner import _environment, _load

    started = datetime.now(UTC)
    result: dict[str, Any] = {
        "name": "recurring",
        "started_at": started.isoformat(),
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "environment": _environment(),
        "now": NOW.isoformat(),
    }
    world, planted, result["building"] = build(args)
    result["detection"] = _detect(world, planted, args.repeat)
    result["memory"] = memory_mb()
    result["environment"]["load_after"] = _load()
    path = write_json(result, "recurring", started)
    print(table(result))
    print(f"\nJSON: {path}")


# --- detection and scoring -----------------------------------------------------------------------

PAGE = 50


def _detect(world: Any, planted: list[Planted], repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from veche.problems.recurring import find_candidates

    from .measure import repeat as runs
    from .measure import stats

    print("find_candidates …", file=sys.stderr, flush=True)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        candidates = find_candidates(world.municipality, now=NOW)
        first = (time.perf_counter() - started) * 1000
    timing = stats([first, *runs(lambda: find_candidates(world.municipality, now=NOW), repeat)])
    page = stats(runs(lambda: find_candidates(world.municipality, now=NOW, limit=PAGE), repeat + 1))
    return {
        "all_ms": timing,
        "page_ms": page,
        "queries": len(queries.captured_queries),
        **score(candidates, planted),
    }


def score(candidates: list[Any], planted: list[Planted]) -> dict[str, Any]:
    """Recall per planted kind, precision over all candidates and over the first `PAGE`."""
    sets = [set(p.case_ids) for p in planted]
    looked_for = [i for i, p in enumerate(planted) if p.kind in ("place", "phrase", "seasonal")]
    matched: list[int | None] = []
    found: set[int] = set()
    for candidate in candidates:
        ids = set(candidate.case_ids)
        # True when at least half of the candidate is one planted problem's cases.
        match = next((i for i in looked_for if 2 * len(ids & sets[i]) >= len(ids)), None)
        matched.append(match)
        # Found when one candidate holds most (more than half) of a planted problem's cases.
        found |= {i for i in looked_for if 2 * len(ids & sets[i]) > len(sets[i])}
    recall = {}
    for kind in ("place", "phrase", "seasonal"):
        group = [i for i, p in enumerate(planted) if p.kind == kind]
        recall[kind] = {
            "planted": len(group),
            "found": sum(1 for i in group if i in found),
            "kind_right": sum(
                1 for i in group if any(
                    kind in c.kinds and 2 * len(set(c.case_ids) & sets[i]) > len(sets[i])
                    for c in candidates
                )
            ),
        }  # fmt: skip
    named = {pk for p in planted if p.kind == "named" for pk in p.case_ids}
    negatives = {
        pk: p.kind for p in planted if p.kind in ("burst", "repeater") for pk in p.case_ids
    }
    false = [(c, m) for c, m in zip(candidates, matched, strict=True) if m is None]
    return {
        "candidates": len(candidates),
        "true_positives": sum(1 for m in matched if m is not None),
        "precision": _share(sum(1 for m in matched if m is not None), len(candidates)),
        "precision_page": _share(
            sum(1 for m in matched[:PAGE] if m is not None), min(PAGE, len(candidates))
        ),
        "recall": _share(len(found), sum(r["planted"] for r in recall.values())),
        "by_kind": recall,
        "by_candidate_kind": _by_kind(candidates, matched),
        "named_cases_leaked": sum(1 for c in candidates for pk in c.case_ids if pk in named),
        "false_positives_on_negatives": dict(
            Counter(negatives[pk] for c, _ in false for pk in c.case_ids if pk in negatives)
        ),
        "missed": [
            {"kind": planted[i].kind, "label": planted[i].label, "cases": len(sets[i]),
             "best": max((len(set(c.case_ids) & sets[i]) for c in candidates), default=0)}
            for i, p in enumerate(planted)
            if p.kind in ("place", "phrase", "seasonal") and i not in found
        ],
        "false_positives": [
            {"kinds": c.kinds, "title": c.title, "cases": len(c.case_ids), "citizens": c.citizens,
             "rank": candidates.index(c) + 1}
            for c, _ in false[:25]
        ],
    }  # fmt: skip


def _by_kind(candidates: list[Any], matched: list[int | None]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for kind in ("place", "phrase", "seasonal"):
        rows = [m for c, m in zip(candidates, matched, strict=True) if kind in c.kinds]
        hits = sum(1 for m in rows if m is not None)
        found[kind] = {"candidates": len(rows), "true": hits, "precision": _share(hits, len(rows))}
    return found


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


# --- the table -----------------------------------------------------------------------------------


def table(result: dict[str, Any]) -> str:
    env, build, found = result["environment"], result["building"], result["detection"]
    lines = [
        f"Veche recurring-problem benchmark: {build['cases']:,} cases"
        f" ({build['background']:,} background, {build['planted_cases']:,} planted)"
        f" · commit {env['commit'][:7]} · SQLite {env['sqlite']} · Python {env['python']}"
        f" · {env['cpus']} CPUs, load {env['load_before']} → {env['load_after']}",
        f"Data: generated in {build['generate_s']:,.0f} s, written in {build['write_s']:,.0f} s",
        "",
        f"find_candidates, all: median {found['all_ms']['median']:,.0f} ms"
        f" (first {found['all_ms']['first']:,.0f}), {found['queries']} queries;"
        f" first {PAGE} (the page): median {found['page_ms']['median']:,.0f} ms",
        f"Candidates {found['candidates']}, true {found['true_positives']}:"
        f" precision {found['precision']}, in the first {PAGE} {found['precision_page']};"
        f" recall {found['recall']}",
        "",
        f"  {'planted kind':<14}{'planted':>8}{'found':>7}{'recall':>8}{'kind right':>12}",
    ]
    for kind, row in found["by_kind"].items():
        lines.append(
            f"  {kind:<14}{row['planted']:>8}{row['found']:>7}"
            f"{_share(row['found'], row['planted']) or 0:>8.2f}{row['kind_right']:>12}"
        )
    lines += ["", f"  {'candidate kind':<14}{'candidates':>11}{'true':>6}{'precision':>11}"]
    for kind, row in found["by_candidate_kind"].items():
        lines.append(
            f"  {kind:<14}{row['candidates']:>11}{row['true']:>6}{row['precision'] or 0:>11.2f}"
        )
    lines += [
        "",
        f"Named problems' cases in candidates: {found['named_cases_leaked']};"
        f" false positives holding hard negatives (cases): {found['false_positives_on_negatives']}",
        "First false positives: "
        + "; ".join(
            f"#{f['rank']} {'+'.join(f['kinds'])} «{f['title'][:60]}» ({f['citizens']} citizens)"
            for f in found["false_positives"][:8]
        ),
        f"Memory: peak RSS {result['memory']['peak_rss_mb']:,.0f} MB",
    ]
    return "\n".join(lines)
