"""`python -m bench`: point Django at a scratch SQLite file, migrate it, run the benchmark.

The environment is set before Django reads its settings, so the run never touches var/ or a
configured DATABASE_URL. Everything under veche.* is imported only after `django.setup()`.
"""

import argparse
import sys
from pathlib import Path

from .scratch import scratch


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description="Bulk creation, inbox and case-card figures on SQLite."
    )
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to create")
    parser.add_argument("--batch-size", type=int, default=2000, help="record_cases batch size")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each inbox scenario")
    parser.add_argument("--cards", type=int, default=200, help="random case cards per actor")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data")
    parser.add_argument("--name", default="cases", help="result file name prefix")
    parser.add_argument("--skip-raw", action="store_true", help="no raw sqlite3 baseline")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder and database afterwards"
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the scratch folder goes (default: TMPDIR)"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        metavar="DB",
        help="measure the reads only, on a database a --keep run left (or a copy of it)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["imports"]:  # bash bench/run imports [--rows 100000]: bench/imports.py
        from .imports import main as imports_main

        return imports_main(argv[1:])
    if argv[:1] == ["triage"]:  # bash bench/run triage: bench/triage_quality.py
        from .triage_quality import main as triage_main

        return triage_main(argv[1:])
    if argv[:1] == ["brushoff"]:  # bash bench/run brushoff: bench/brushoff.py
        from .brushoff import main as brushoff_main

        return brushoff_main(argv[1:])
    args = parse(argv)
    reuse = args.reuse.resolve() if args.reuse else None
    with scratch("veche-bench-", keep=args.keep, workdir=args.workdir, db=reuse) as folder:
        return _run(args, reuse or folder / "bench.sqlite3")


def _run(args: argparse.Namespace, db: Path) -> int:
    # Imported here, once the environment above is set: settings read it at import time.
    import django
    from django.core.management import call_command

    django.setup()
    if args.reuse is None:
        call_command("migrate", interactive=False, verbosity=0)
    from .runner import run  # imports models, so only after django.setup()

    run(args, db)
    return 0
