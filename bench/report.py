"""The results as a table on stdout and as JSON under bench/results/."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def write_json(result: dict[str, Any], name: str, started: datetime) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    return path


def table(result: dict[str, Any]) -> str:
    lines = [_title(result)]
    if "creation" in result:
        lines += _creation(result["creation"])
    lines += _inbox(result["inbox"])
    lines += _cards(result["card"])
    lines += _footer(result)
    return "\n".join(lines)


def _title(result: dict[str, Any]) -> str:
    env = result["environment"]
    return (
        f"Veche benchmark: {result['data']['cases']:,} cases, {result['data']['events']:,} events"
        f" · commit {env['commit'][:7]} · SQLite {env['sqlite']} · Python {env['python']}"
        f" · Django {env['django']}"
        f" · {env['cpus']} CPUs, load {env['load_before']} → {env['load_after']}"
    )


def _creation(creation: dict[str, Any]) -> list[str]:
    service = creation["service"]
    lines = [
        "",
        "Bulk creation",
        f"  record_cases (service layer)   {service['cases_per_s']:>10,.0f} cases/s"
        f"   {service['events_per_s']:>9,.0f} events/s   {service['seconds']:,.0f} s"
        f" (+{service['generation_seconds']:,.0f} s building drafts, not counted)",
        "    by tenth of the run, cases/s: "
        + " ".join(f"{s['rate']:,.0f}" for s in service["slices"]),
    ]
    again = creation["redelivery"]
    lines.append(
        f"  same batch delivered again       {again['ms']:>8,.0f} ms for {again['items']:,} cases"
        f" ({again['skipped']:,} skipped as known, {again['created']} created)"
    )
    raw = creation.get("raw")
    if raw:
        lines += [
            f"  raw executemany, cases         {raw['cases_per_s']:>10,.0f} rows/s",
            f"  raw executemany, events        {raw['events_per_s']:>10,.0f} rows/s",
            f"  raw cases + their events       {raw['cases_with_events_per_s']:>10,.0f} cases/s",
            f"  service / raw (cases only)     {creation['ratio_cases']:>10.3f}"
            f"   (raw is {1 / creation['ratio_cases']:.1f}× faster)",
            f"  service / raw (cases + events) {creation['ratio_cases_with_events']:>10.3f}"
            f"   (raw is {1 / creation['ratio_cases_with_events']:.1f}× faster)",
        ]
    return lines


def _inbox(rows: list[dict[str, Any]]) -> list[str]:
    head = (
        f"  {'actor':<18}{'scenario':<26}{'median':>8}{'p95':>8}{'first':>8}"
        f"{'page':>8}{'count':>8}{'rows':>6}{'counted':>9}"
    )
    lines = ["", "Inbox first page: 50 rows + count_up_to(10 000), ms (page, count: medians)", head]
    for r in rows:
        total, counted = r["total_ms"], f"{r['count']:,}{'+' if r['count_capped'] else ''}"
        lines.append(
            f"  {r['actor']:<18}{r['scenario']:<26}{total['median']:>8.1f}{total['p95']:>8.1f}"
            f"{total['first']:>8.1f}{r['page_ms']['median']:>8.1f}{r['count_ms']['median']:>8.1f}"
            f"{r['rows']:>6}{counted:>9}"
        )
    return lines


def _cards(cards: list[dict[str, Any]]) -> list[str]:
    lines = ["", "Case card: case_detail + timeline + answers, ms"]
    for c in cards:
        ms = c["card_ms"]
        lines.append(
            f"  {c['actor']:<18}median {ms['median']:>6.1f}   p95 {ms['p95']:>6.1f}"
            f"   max {ms['max']:>6.1f}   over {ms['n']} random ids, {c['queries']} queries"
        )
    return lines


def _footer(result: dict[str, Any]) -> list[str]:
    memory, size = result["memory"], result["database"]
    largest = ", ".join(
        f"{name} {b / 2**20:,.0f}" for name, b in list(size["largest_objects_bytes"].items())[:6]
    )
    return [
        "",
        f"Memory: peak RSS {memory['peak_rss_mb']:,.0f} MB, at the end {memory['rss_mb']:,.0f} MB",
        f"Database: {size['file_bytes'] / 2**20:,.0f} MB file"
        f" ({size['file_bytes'] / max(result['data']['cases'], 1):,.0f} bytes per case);"
        f" largest, MB: {largest}",
    ]
