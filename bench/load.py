"""`bash bench/run load`: a bounded load test of a real deployment on loopback.

gunicorn (`--workers` sync workers) + one huey consumer on Redis + PostgreSQL, with a demo
municipality in a scratch database made for the run and dropped after it (unless `--keep`);
an asyncio httpx client in this process drives the mix of `load_traffic.py` for `--minutes`
and reports throughput, p50/p95/p99/max latency and errors per request kind, a baseline (the
login page: a template and a session-less request, the cheapest page Veche has) measured in
the same run, and whether every write the server acknowledged is in the database. The table
goes to stdout, the figures with the parameters and the machine to
bench/results/load-<UTC time>.json.

This process never imports Django: migrations, the demo, the seed (`load_seed.py`) and the
final check run as children against the scratch database, so the test suite can call `run`
from inside pytest, whose own settings point elsewhere.

The run raises two limits through the environment: VECHE_PUBLIC_FORM_PER_HOUR (the public form,
per client address) to 1,000,000, as every virtual citizen posts from its own address anyway;
Open311's 60 posts a minute per API user is met by giving each virtual user its own API user.
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg

from . import load_traffic

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379"


@dataclass
class Options:
    seconds: float = 15 * 60
    users: int = 20
    database: str = DEFAULT_SERVER  # a server URL; the scratch database is made on it
    cases: int = 5000
    workers: int = 3
    surveys: int = 0  # 0: enough for the run's estimated survey turns
    baseline_seconds: float = 30.0
    warmup_seconds: float = 20.0
    redis: str = DEFAULT_REDIS
    redis_db: int = 7  # flushed at the start: only this run uses it
    keep: bool = False
    results: bool = True  # write bench/results/load-<time>.json
    quiet: bool = False


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="bash bench/run load",
        description="Mixed traffic against gunicorn + huey + PostgreSQL on loopback.",
    )
    parser.add_argument("--minutes", type=float, default=15.0, help="length of the mixed run")
    parser.add_argument("--seconds", type=float, default=None, help="instead of --minutes")
    parser.add_argument("--users", type=int, default=20, help="virtual users (closed loop)")
    parser.add_argument(
        "--database", default=DEFAULT_SERVER, help="PostgreSQL server URL for the scratch db"
    )
    parser.add_argument("--cases", type=int, default=5000, help="demo cases to seed")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--surveys", type=int, default=0, help="rating links (0: estimate)")
    parser.add_argument("--baseline-seconds", type=float, default=30.0, help="login page run")
    parser.add_argument("--warmup-seconds", type=float, default=20.0, help="mix, not counted")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis server URL (no db)")
    parser.add_argument("--redis-db", type=int, default=7, help="Redis db number, flushed")
    parser.add_argument("--keep", action="store_true", help="keep the scratch db and folder")
    args = parser.parse_args(argv)
    if args.users < 1 or args.workers < 1 or args.cases < 50:
        parser.error("--users and --workers at least 1, --cases at least 50")
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    if seconds <= 0:
        parser.error("the run must last more than 0 seconds")
    return Options(
        seconds=seconds,
        users=args.users,
        database=args.database,
        cases=args.cases,
        workers=args.workers,
        surveys=args.surveys,
        baseline_seconds=args.baseline_seconds,
        warmup_seconds=args.warmup_seconds,
        redis=args.redis,
        redis_db=args.redis_db,
        keep=args.keep,
    )


def main(argv: list[str]) -> int:
    options = parse(argv)
    result = run(options)
    print(table(result))
    if "file" in result:
        print(f"\n→ {result['file']}")
    return 0 if result["verdict"]["clean"] else 1


# --- the run -----------------------------------------------------------------------------------


def run(options: Options) -> dict[str, Any]:
    """Seed, serve, drive, check, clean up; the result dict (also written as JSON)."""
    started = datetime.now(UTC)
    run_id = uuid.uuid4().hex[:8]
    machine = machine_before()
    db_name = f"veche_load_{os.getpid()}_{run_id}"
    db_url = _with_database(options.database, db_name)
    folder = Path(tempfile.mkdtemp(prefix="veche-load-"))
    redis_url = _redis(options)
    env = _environment(folder, db_url, redis_url)
    timings: dict[str, float] = {}
    _log(options, f"scratch database {db_name}, folder {folder}")
    _admin(options.database, f'CREATE DATABASE "{db_name}"')
    try:
        surveys = options.surveys or _survey_estimate(options)
        # collectstatic needs no database: it runs beside the migrations.
        static = _spawn_logged(["-m", "veche", "collectstatic", "--noinput", "-v0"], env, folder)
        try:
            with _timed(timings, "migrate"):
                _child(["-m", "veche", "migrate", "--noinput", "-v0"], env, folder, "migrate")
        finally:
            static.wait()
        if static.returncode != 0:
            raise RuntimeError(f"collectstatic failed: {_tail(folder / 'collectstatic.log')}")
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        # The server and the consumer boot while the demo is seeded (their start is mostly
        # imports); no request reaches them before the seed is done.
        with _serving(options, env, folder, port), _consumer(env, folder):
            with _timed(timings, "demo"):
                demo = ["-m", "veche", "demo", "--cases", str(options.cases), "-v0"]
                _child(demo, env, folder, "demo")
            with _timed(timings, "seed"):
                seed = _django_json(
                    "prepare", {"api_users": options.users, "surveys": surveys}, env, folder
                )
            children_before = _cpu(resource.RUSAGE_CHILDREN)
            with _timed(timings, "server_start"):
                _wait_ready(base_url)
            plan = load_traffic.Plan(
                base_url=base_url,
                seed=seed,
                seconds=options.seconds,
                users=options.users,
                run_id=run_id,
                baseline_seconds=options.baseline_seconds,
                warmup_seconds=options.warmup_seconds,
            )
            _log(options, f"driving {options.users} users for {options.seconds:.0f} s")
            driver_before = _cpu(resource.RUSAGE_SELF)
            with _timed(timings, "traffic"):
                recorder = asyncio.run(load_traffic.drive(plan))
            driver_cpu = _cpu(resource.RUSAGE_SELF) - driver_before
            queued = _queue_length(redis_url)
        # gunicorn and huey were reaped on leaving the block: their whole lives' CPU.
        server_cpu = _cpu(resource.RUSAGE_CHILDREN) - children_before
        figures = load_traffic.figures(recorder)
        logs = _server_logs(folder)
        with _timed(timings, "check"):
            written = dict(recorder.written)
            stored = _django_json("check", written, env, folder)
        pg_version = _server_version(db_url)
    finally:
        if options.keep:
            _log(options, f"kept: database {db_name}, folder {folder}")
        else:
            _admin(options.database, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            shutil.rmtree(folder, ignore_errors=True)
        _flush_redis(redis_url)
    result = {
        "name": "load",
        "started": started.isoformat(),
        "parameters": asdict(options)
        | {"database": _hide_password(options.database), "surveys": surveys, "run_id": run_id},
        "raised_limits": {"VECHE_PUBLIC_FORM_PER_HOUR": env["VECHE_PUBLIC_FORM_PER_HOUR"]},
        "mix": dict(load_traffic.MIX),
        "setup_seconds": timings,
        "cpu_seconds": {
            "driver_during_traffic": round(driver_cpu, 2),
            "gunicorn_and_huey_lifetime": round(server_cpu, 2),
        },
        "machine": machine | machine_after() | {"postgresql": pg_version},
        "seed": {
            "cases_before": seed["cases_before"],
            "survey_links": len(seed["survey_tokens"]),
            "api_users": len(seed["api_tokens"]),
        },
        **figures,
        "writes": stored,
        "tasks": logs["tasks"] | {"queued_when_stopped": queued},
    }
    if result["overall"]["error_count"] or logs["errors"]:
        result["server_errors"] = logs["errors"]
    base = result["baseline"]["throughput_rps"]
    result["mixed_over_baseline"] = result["overall"]["throughput_rps"] / base if base else 0.0
    result["verdict"] = verdict(result)
    if options.results:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"load-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        result["file"] = str(path)
    return result


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """Errors, kinds never exercised, acknowledged writes missing from the database."""
    kinds = result["kinds"]
    lost = {
        kind: figures["acknowledged"] - figures["found"]
        for kind, figures in result["writes"].items()
        if isinstance(figures, dict) and figures["found"] != figures["acknowledged"]
    }
    api = result["writes"]["api_intake"]
    if api["found_by_external_id"] != api["acknowledged"]:
        lost["api_intake (by external id)"] = api["acknowledged"] - api["found_by_external_id"]
    warmup = result["warmup"]
    # A kind counts as exercised when it succeeded in the warm-up or the measured run (a short
    # run may draw the rarest kind, the public form's send, in neither… the warm-up sends it).
    unexercised = [
        kind for kind, figures in kinds.items() if figures["ok"] + warmup["kinds"][kind]["ok"] == 0
    ]
    errors = sum(result[p]["error_count"] for p in ("overall", "baseline"))
    errors += warmup["overall"]["error_count"] + sum(result["malformed_replies"].values())
    return {
        "errors": errors,
        "unexercised": unexercised,
        "lost_writes": lost,
        "clean": errors == 0 and not unexercised and not lost,
    }


def _survey_estimate(options: Options) -> int:
    """Rating links for the run: its survey turns at a generous 2 turns per user a second,
    capped, as each link is a row written before the run."""
    share = dict(load_traffic.MIX)["survey"] / sum(dict(load_traffic.MIX).values())
    seconds = options.seconds + options.warmup_seconds
    return int(min(20_000, max(200, seconds * options.users * 2 * share)))


# --- processes ---------------------------------------------------------------------------------


def _environment(folder: Path, db_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VECHE_", "DATABASE_URL"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "veche.settings",
        "DATABASE_URL": db_url,
        "VECHE_VAR_DIR": str(folder / "var"),
        "VECHE_REDIS_URL": redis_url,
        "VECHE_DEBUG": "0",
        "VECHE_LOG_LEVEL": "WARNING",
        "VECHE_TASKS_IMMEDIATE": "0",
        "VECHE_PUBLIC_FORM_PER_HOUR": "1000000",
        "VECHE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    return env


def _child(args: list[str], env: dict[str, str], folder: Path, name: str) -> None:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        done = subprocess.run(  # noqa: S603 (our own interpreter and fixed arguments)
            [sys.executable, *args], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        tail = _tail(log)
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{tail}")


def _spawn_logged(args: list[str], env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    with (folder / f"{args[2]}.log").open("wb") as log:
        return _spawn([sys.executable, *args], env, log)


def _tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


def _server_logs(folder: Path) -> dict[str, Any]:
    """What huey ran (by task) and the error lines of gunicorn and huey."""
    tasks: Counter[str] = Counter()
    errors: list[str] = []
    for name in ("huey.log", "gunicorn.log"):
        for line in _tail(folder / name, 10_000_000).splitlines():
            if "Executing " in line and line.startswith("["):
                tasks[line.split("Executing ", 1)[1].split(":", 1)[0]] += 1
            elif "ERROR" in line or "Traceback" in line or "CRITICAL" in line:
                errors.append(line[:500])
    return {"tasks": {"executed": dict(tasks)}, "errors": errors[:50]}


def _queue_length(url: str) -> int | None:
    """Tasks still waiting in the huey queue on Redis; None without Redis."""
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    return sum(int(client.llen(key)) for key in client.scan_iter("huey.redis.*"))


def _django_json(
    command: str, data: dict[str, Any], env: dict[str, str], folder: Path
) -> dict[str, Any]:
    source, target = folder / f"{command}-in.json", folder / f"{command}-out.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _child(["-m", "bench.load_seed", command, str(source), str(target)], env, folder, command)
    result: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return result


def _spawn(args: list[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and fixed arguments)
        args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """SIGTERM to the child's own process group (gunicorn's workers, huey's threads)."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def _serving(options: Options, env: dict[str, str], folder: Path, port: int) -> Iterator[None]:
    args = [
        sys.executable, "-m", "gunicorn", "veche.wsgi:application",
        "--workers", str(options.workers),
        "--bind", f"127.0.0.1:{port}",
        "--timeout", "120",
        "--graceful-timeout", "10",
    ]  # fmt: skip
    with (folder / "gunicorn.log").open("wb") as log:
        process = _spawn(args, env, log)
        try:
            yield
        finally:
            _stop(process)


@contextmanager
def _consumer(env: dict[str, str], folder: Path) -> Iterator[None]:
    with (folder / "huey.log").open("wb") as log:
        process = _spawn([sys.executable, "-m", "veche", "run_huey"], env, log)
        try:
            yield
        finally:
            _stop(process)


def _wait_ready(base_url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/login/", timeout=5).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /login/ within {timeout:.0f} s ({last})")


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    began = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(time.perf_counter() - began, 2)


def _log(options: Options, message: str) -> None:
    if not options.quiet:
        print(f"[load {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- PostgreSQL and Redis ----------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def _admin(server: str, statement: str) -> None:
    """CREATE / DROP DATABASE on the server's maintenance database."""
    with _connect(server) as conn:
        conn.execute(statement.encode())


def _server_version(url: str) -> str:
    with _connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def postgres_reachable(server: str) -> str:
    """ "" when the server answers, else why not."""
    try:
        with psycopg.connect(
            server.replace("postgres://", "postgresql://", 1), connect_timeout=3
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip() or type(exc).__name__
    return ""


def _redis(options: Options) -> str:
    """The run's Redis database, flushed; "" (huey and the cache on files) without Redis."""
    url = f"{options.redis.rstrip('/')}/{options.redis_db}"
    try:
        _flush_redis(url)
    except OSError:
        _log(options, f"no Redis at {options.redis}: huey and the cache on files instead")
        return ""
    return url


def _flush_redis(url: str) -> None:
    if not url:
        return
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).flushdb()
    except redis.exceptions.ConnectionError as exc:
        raise OSError(str(exc)) from exc


# --- the machine -------------------------------------------------------------------------------


def machine_before() -> dict[str, Any]:
    cpuinfo = _read("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip()
        for line in cpuinfo.splitlines()
        if line.startswith("model name")
    ]
    meminfo = {
        line.split(":")[0]: line.split(":")[1].strip()
        for line in _read("/proc/meminfo").splitlines()
    }
    return {
        "cpu_model": models[0] if models else platform.processor(),
        "cpu_count": os.cpu_count(),
        "memory_total": meminfo.get("MemTotal", "?"),
        "memory_available_before": meminfo.get("MemAvailable", "?"),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": _commit(),
        "httpx": httpx.__version__,
        "django": _version("django"),
        "gunicorn": _version("gunicorn"),
    }


def machine_after() -> dict[str, Any]:
    meminfo = {
        line.split(":")[0]: line.split(":")[1].strip()
        for line in _read("/proc/meminfo").splitlines()
    }
    return {
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "memory_available_after": meminfo.get("MemAvailable", "?"),
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _meminfo() -> dict[str, str]:
    lines = [line.split(":", 1) for line in _read("/proc/meminfo").splitlines() if ":" in line]
    return {name: value.strip() for name, value in lines}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _commit() -> str:
    """HEAD's commit (read-only: `git rev-parse`); the tree may hold uncommitted work."""
    git = shutil.which("git")
    if git is None:
        return "?"
    try:
        done = subprocess.run(  # noqa: S603
            [git, "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return done.stdout.strip()


# --- the table ---------------------------------------------------------------------------------


def table(result: dict[str, Any]) -> str:
    m, p = result["machine"], result["parameters"]
    lines = [
        f"Veche load test: {p['users']} users, {result['window_s']:.0f} s, "
        f"{p['workers']} gunicorn workers, {result['seed']['cases_before']:,} cases seeded",
        f"{m['cpu_model']} × {m['cpu_count']}, {m['memory_total']}, load {m['load_before']} → "
        f"{m['load_after']}; Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"commit {m['commit'][:10]}",
        "",
        f"{'kind':<14}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}  4xx / errors",
    ]
    rows = [
        *result["kinds"].items(),
        ("overall", result["overall"]),
        ("baseline", result["baseline"]),
    ]
    for kind, f in rows:
        refused = " ".join(f"{k}×{v}" for k, v in f["refused_4xx"].items()) or "-"
        errors = " ".join(f"{k}×{v}" for k, v in f["errors"].items()) or "-"
        label = "login page" if kind == "baseline" else kind
        lines.append(
            f"{label:<14}{f['count']:>8}{f['throughput_rps']:>8.1f}{f['p50_ms']:>9.0f}"
            f"{f['p95_ms']:>9.0f}{f['p99_ms']:>9.0f}{f['max_ms']:>9.0f}  {refused} / {errors}"
        )
    lines.append(f"\nmixed / login page throughput: {result['mixed_over_baseline']:.2f}")
    cpu = result["cpu_seconds"]
    lines.append(
        f"CPU s: the driver {cpu['driver_during_traffic']} during the traffic, gunicorn + huey "
        f"{cpu['gunicorn_and_huey_lifetime']} in their lifetime; huey ran {result['tasks']}"
    )
    writes = result["writes"]
    lines.append(
        "writes acknowledged → found: "
        + ", ".join(
            f"{k} {v['acknowledged']}→{v['found']}"
            for k, v in writes.items()
            if isinstance(v, dict)
        )
    )
    v = result["verdict"]
    lines.append(
        f"errors {v['errors']}, unexercised {v['unexercised'] or 'none'}, "
        f"lost writes {v['lost_writes'] or 'none'}"
    )
    for note, count in result["notes"].items():
        lines.append(f"note: {note}: {count}")
    return "\n".join(lines)
