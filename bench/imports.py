"""`bash bench/run imports [--rows 100000]`: import a ПОС-style XLSX through Veche and read the
same file with plain openpyxl, in the same run, each in a fresh child process, reporting
rows/s and peak resident memory of each (and the memory before the work started).

The file has the columns of the ПОС mapping the tests use: external id, date, text, topic,
status, author, phone, address, answer, answer date, 59-ФЗ flag; every 50th row is broken
(no text) so the problem path is measured too. Its text cells are in the shared-strings
table, as in a real Excel export. Figures, never pass or fail.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .scratch import scratch

ROOT = Path(__file__).resolve().parent.parent
HEADERS = (
    "Номер сообщения", "Дата создания", "Текст сообщения", "Категория", "Статус",
    "ФИО заявителя", "Телефон", "Адрес", "Текст ответа", "Дата ответа", "Обращение по 59-ФЗ",
)  # fmt: skip
STATUSES = ("В работе", "Дан ответ", "Решено", "Зарегистрировано", "Отклонено")
STREETS = ("ул. Мира", "ул. Ленина", "пр. Победы", "ул. Гагарина", "ул. Садовая", "ул. Лесная")
PROBLEMS = (
    "яма на проезде во дворе, машины бьют подвеску",
    "не вывозят мусор с контейнерной площадки третий день",
    "в подъезде не горит свет, лампы перегорели",
    "нет горячей воды с понедельника",
    "сломана лавочка и качели на детской площадке",
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="data rows in the XLSX")
    parser.add_argument("--name", default="imports", help="result file name prefix")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--phase", choices=["openpyxl", "veche"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.phase:  # a child process: one measured phase, JSON on stdout
        print(json.dumps(_phase(args.phase, args.file)))
        return 0
    with scratch("veche-bench-imports-", keep=args.keep) as folder:
        return _orchestrate(args, folder)


def _orchestrate(args: argparse.Namespace, folder: Path) -> int:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    _world()
    started = datetime.now(UTC)
    path = folder / "pos-export.xlsx"
    seconds = _write(path, args.rows)
    print(f"wrote {args.rows:,} rows, {path.stat().st_size / 2**20:.1f} MB, in {seconds:.0f} s")
    result: dict[str, Any] = {
        "started": started.isoformat(),
        "rows": args.rows,
        "file_bytes": path.stat().st_size,
        "write_seconds": round(seconds, 1),
        "load_before": os.getloadavg(),
    }
    for name in ("openpyxl", "veche", "veche_again"):
        result[name] = _child("veche" if name == "veche_again" else name, path)
        _line(name, result[name])
    result["ratio"] = round(result["veche"]["rows_per_s"] / result["openpyxl"]["rows_per_s"], 3)
    result["load_after"] = os.getloadavg()
    print(f"Veche / plain openpyxl: {result['ratio']:.3f}")
    from .report import write_json

    print(f"written: {write_json(result, args.name, started)}")
    return 0


def _child(phase: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench", "imports", "--phase", phase, "--file", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def _line(name: str, r: dict[str, Any]) -> None:
    counts = (
        f"   created {r['created']:,}, updated {r['updated']:,}, unchanged {r['unchanged']:,},"
        f" refused {r['failed']:,}"
        if "created" in r
        else ""
    )
    print(
        f"{name:<12} {r['rows']:>9,} rows {r['seconds']:>8.1f} s {r['rows_per_s']:>9,.0f} rows/s"
        f"   peak RSS {r['peak_rss_mb']:>6.0f} MB (at start {r['start_rss_mb']:.0f} MB)" + counts
    )


def _peak_mb(key: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of this process. Not ru_maxrss: Linux
    carries that over from the parent through fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _phase(phase: str, path: Path) -> dict[str, Any]:
    if phase == "openpyxl":
        from openpyxl import load_workbook

        start_rss = _peak_mb()
        began = time.perf_counter()
        book = load_workbook(path, read_only=True, data_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
        book.close()
        return _figures(rows, time.perf_counter() - began, start_rss, {})
    import django

    django.setup()
    from django.core.files import File
    from django.utils import timezone

    from veche.intake.imports import service
    from veche.intake.models import ImportKind
    from veche.org.models import Municipality

    with path.open("rb") as handle:
        run = service.start_import(
            Municipality.objects.get(),
            File(handle, name=path.name),
            kind=ImportKind.POS,
            by=None,
            now=timezone.now(),
        )
    start_rss = _peak_mb()
    began = time.perf_counter()
    run = service.run_import(run)
    counts = {k: getattr(run, k) for k in ("created", "updated", "unchanged", "failed")}
    return _figures(run.rows_done, time.perf_counter() - began, start_rss, counts)


def _figures(rows: int, seconds: float, start_rss: float, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1),
        "start_rss_mb": start_rss,
        "peak_rss_mb": _peak_mb(),
        **counts,
    }


def _world() -> None:
    from veche.catalog.models import Topic
    from veche.intake.models import ColumnMapping
    from veche.org.models import Department, Municipality

    muni = Municipality.objects.create(name="Бенчмарк МО", oktmo="99000000002")
    Department.objects.create(municipality=muni, name="Комитет ЖКХ")
    group = Topic.objects.get_or_create(name="Бенчмарк", parent=None)[0]
    Topic.objects.get_or_create(parent=group, name="Ямы во дворах")
    keys = ("external_id", "received_at", "text", "topic", "status", "author_name",
            "author_phone", "address", "answer", "answered_at", "appeal_flag")  # fmt: skip
    ColumnMapping.objects.create(
        municipality=muni,
        kind="pos",
        name="ПОС (бенчмарк)",
        headers=list(HEADERS),
        columns=dict(zip(keys, HEADERS, strict=True)),
    )


def _write(path: Path, rows: int) -> float:
    """Laid out as Excel saves an export: every text cell in the shared-strings table (the
    tests' streamed writer: openpyxl's own writers put text inline)."""
    from tests.intake.imports.exports import write_excel_xlsx

    began = time.perf_counter()
    base = datetime(2026, 1, 1, 8, 0)  # noqa: DTZ001 - exports hold local time, no offset
    write_excel_xlsx(
        path, HEADERS, lambda: (_row(n, base + timedelta(minutes=5 * n)) for n in range(rows))
    )
    return time.perf_counter() - began


def _row(n: int, at: datetime) -> list[object]:
    status = STATUSES[n % len(STATUSES)]
    answered = status in ("Дан ответ", "Решено")
    street = STREETS[n % len(STREETS)]
    return [
        f"{7_000_000 + n}",
        at.strftime("%d.%m.%Y %H:%M"),
        "" if n % 50 == 49 else f"Здравствуйте! {street}, д. {n % 120 + 1}: {PROBLEMS[n % 5]}.",
        "Ямы во дворах" if n % 5 == 0 else "Прочее",
        status,
        f"Житель {n % 9000}",
        f"+7 900 {n % 1000:03d}-{n % 100:02d}-{n % 97:02d}",
        f"г. Бенчмарк, {street}, д. {n % 120 + 1}",
        "Работы выполнены, проверено на месте." if answered else "",
        (at + timedelta(days=3)).strftime("%d.%m.%Y %H:%M") if answered else "",
        "да" if n % 10 == 0 else "нет",
    ]
