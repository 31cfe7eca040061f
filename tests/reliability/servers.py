"""Real processes for the fault tests: a private PostgreSQL cluster, a private Redis, and Veche
itself (the huey consumer, the web server, one-off Django scripts) as child processes.

Nothing here touches the shared servers on 5432 / 6379: every server is started on a free
port in a temporary folder and stopped by its own process id. A missing binary skips the
test with the reason, except in CI (`CI=true`), where it fails.
"""

import atexit
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Self

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def need(binary: Path | str) -> str:
    """The path of an executable; skip (fail in CI) when it is not installed."""
    found = shutil.which(str(binary))
    if found is None:
        reason = f"{binary} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    check: Callable[[], Any], *, timeout: float, every: float = 0.1, what: str = "condition"
) -> Any:
    """Poll `check` until it returns something true; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- Redis -------------------------------------------------------------------------------------


class PrivateRedis:
    """A throw-away redis-server without persistence; `stop()` and `start()` again on the
    same port simulate an outage."""

    def __init__(self) -> None:
        self.binary = need("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Self:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary with our arguments
            [*args, "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _port_open(self.port), timeout=10, what="redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


# --- PostgreSQL --------------------------------------------------------------------------------


class PrivatePostgres:
    """A private cluster (initdb) on a free port, trust auth, in a temporary folder. As root
    the server runs as the `postgres` user (initdb refuses root)."""

    def __init__(self) -> None:
        need(PG_BIN / "initdb")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="veche-faults-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = [need("runuser"), "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres", "postgres")

    def url(self, name: str = "veche") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)  # noqa: S603

    def start(self) -> Self:
        if not self.data.exists():
            self._run(
                str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8",
            )  # fmt: skip
        # No fsync: a fast restart flushes everything anyway, and the tests are about the
        # clients reconnecting, not about the disk surviving a power cut.
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "start",
        )  # fmt: skip
        return self

    def restart(self) -> None:
        """A fast restart: every client connection is cut, as in a failover or an upgrade."""
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-m", "fast",
            "-w", "restart",
        )  # fmt: skip

    def create_database(self, name: str = "veche") -> str:
        self._run(
            str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-c", f'create database "{name}"',
        )  # fmt: skip
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def need_psql() -> None:
    need(PG_BIN / "psql")


# --- Veche as child processes -------------------------------------------------------------------


def veche_env(var_dir: Path, database_url: str, redis_url: str = "") -> dict[str, str]:
    """The environment of a Veche child process: its own var folder, database and queue."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VECHE_", "DATABASE_URL", "DJANGO_"))
    }
    env |= {
        "VECHE_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "VECHE_REDIS_URL": redis_url,
        "VECHE_TASK_WORKERS": "1",
        "VECHE_LOG_LEVEL": "INFO",
        "DJANGO_SETTINGS_MODULE": "veche.settings",
        "PYTHONPATH": str(ROOT) + os.pathsep + str(ROOT / "src"),
    }
    return env


def django(code: str, env: dict[str, str], *, timeout: float = 120) -> Any:
    """Run `code` in a fresh Django process; the value it assigns to `result` comes back
    (through JSON)."""
    script = (
        "import json, django\ndjango.setup()\nresult = None\n"
        + textwrap.dedent(code)
        + "\nprint('\\n@@result ' + json.dumps(result, default=str))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise AssertionError(f"django script failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    marker = done.stdout.rsplit("\n@@result ", 1)[-1]
    return json.loads(marker.strip().splitlines()[0])


def migrate(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [str(BIN / "veche"), "migrate", "-v0"], env=env, check=True, cwd=ROOT, timeout=300
    )


class Child:
    """A long-running Veche process (the consumer, a web server) with its output in a file;
    `kill()` is SIGKILL: no cleanup, no goodbye, as when the machine loses power."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None

    def start(self) -> Self:
        self._out = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            self.args,
            env=self.env,
            cwd=ROOT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        if self._out is not None:
            self._out.close()
            self._out = None

    def stop(self) -> None:
        """A polite stop (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def consumer(env: dict[str, str], log: Path) -> Child:
    """The real huey consumer, as `scripts/start` runs it."""
    return Child([str(BIN / "veche"), "run_huey", "--workers", "1"], env, log)


def web_server(env: dict[str, str], log: Path, threads: int = 4) -> tuple[Child, str]:
    """Veche under gunicorn (one process, `threads` threads), up and answering; its URL."""
    port = free_port()
    args = [str(BIN / "gunicorn"), "veche.wsgi:application", "-b", f"127.0.0.1:{port}"]
    web = Child([*args, "-w", "1", "--threads", str(threads), "--timeout", "60"], env, log)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        import requests

        try:
            return requests.get(f"{url}/login/", timeout=30).status_code == 200
        except requests.RequestException:
            return False

    web.start()
    try:
        wait_until(up, timeout=90, every=0.3, what="gunicorn")
    except BaseException:
        web.kill()
        raise
    return web, url


@contextmanager
def running(child: Child) -> Iterator[Child]:
    child.start()
    try:
        yield child
    finally:
        child.kill()


_TEMPLATE: dict[str, Any] = {}

# The people of tests/personas.py and an API token of the operator, in the template database.
WORLD = """
from django.conf import settings
from tests.personas import build_world
from veche.org.services import issue_api_token

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast to build
world = build_world()
_, token = issue_api_token("Сайт администрации", user=world.operator)
result = {"token": token, "municipality": world.municipality.pk}
"""


def seed(env: dict[str, str]) -> dict[str, Any]:
    """Migrate the database of `env` and build the world in it; its token and municipality."""
    migrate(env)
    seeded: dict[str, Any] = django(WORLD, env)
    return seeded


def database_copy(tmp_path: Path, redis_url: str = "") -> tuple[dict[str, str], dict[str, Any]]:
    """A database of this test's own, migrated and with the world built (a copy of one built
    once per run), the environment of the Veche processes that use it, and the world's API
    token (`token`) and municipality id (`municipality`).

    On the database server of this test run when it is PostgreSQL (`DATABASE_URL`; copies
    are `CREATE DATABASE … TEMPLATE`, dropped at exit), else a SQLite file."""
    var = tmp_path / "var"
    var.mkdir()
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        return _postgres_copy(base, var, redis_url)
    if "db" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="veche-faults-template-"))
        _TEMPLATE["seeded"] = seed(veche_env(folder, f"sqlite:///{folder / 'db.sqlite3'}"))
        _TEMPLATE["db"] = folder / "db.sqlite3"
    db = var / "db.sqlite3"
    shutil.copyfile(_TEMPLATE["db"], db)
    return veche_env(var, f"sqlite:///{db}", redis_url), dict(_TEMPLATE["seeded"])


def _postgres_copy(base: str, var: Path, redis_url: str) -> tuple[dict[str, str], dict[str, Any]]:
    server = base.rsplit("/", 1)[0]
    admin = f"{server}/postgres"
    prefix = f"veche_faults_{os.getpid()}"
    if "pg" not in _TEMPLATE:
        _drop_databases(admin, prefix)
        _pg_execute(admin, f'create database "{prefix}_t"')
        atexit.register(_drop_databases, admin, prefix)
        _TEMPLATE["pg_seeded"] = seed(veche_env(var, f"{server}/{prefix}_t"))
        _TEMPLATE["pg"] = 0
    _TEMPLATE["pg"] += 1
    name = f"{prefix}_{_TEMPLATE['pg']}"
    _pg_execute(admin, f'create database "{name}" template "{prefix}_t"')
    return veche_env(var, f"{server}/{name}", redis_url), dict(_TEMPLATE["pg_seeded"])


def _pg_execute(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement.encode())


def _drop_databases(admin: str, prefix: str) -> None:
    """Drop this run's copies (and those of earlier runs that died before their exit)."""
    import psycopg

    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        names = conn.execute(
            "select datname from pg_database where datname like 'veche\\_faults\\_%%'"
        ).fetchall()
        for (name,) in names:
            pid = name.split("_")[2]
            if name.startswith(prefix) or not Path(f"/proc/{pid}").exists():
                for _ in range(3):
                    try:
                        conn.execute(f'drop database if exists "{name}" with (force)'.encode())
                        break
                    except psycopg.Error:
                        time.sleep(1)


def sql(database_url: str, query: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of one read, straight from the database file or server (no Django start-up):
    what the tests poll while the processes work. Placeholders are `%s`."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
        try:
            return conn.execute(query.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as server:
        return server.execute(query, params).fetchall()


def queue_pos_import(folder: Path, rows: int, env: dict[str, str], *, timeout: float = 120) -> int:
    """In a fresh process: the bench world, a ПОС export of `rows` rows written into `folder`,
    its import started and put on the real queue (nobody consumes it yet). The run's id."""
    run_id: int = django(
        f"""
        from pathlib import Path
        from django.core.files import File
        from django.utils import timezone
        from bench.imports import _world, _write
        from veche.intake.imports import service
        from veche.intake.imports.tasks import run_import_task
        from veche.intake.models import ImportKind
        from veche.org.models import Municipality

        _world()
        path = Path({str(folder)!r}) / "pos-export.xlsx"
        _write(path, {rows})
        with path.open("rb") as handle:
            run = service.start_import(
                Municipality.objects.get(oktmo="99000000002"), File(handle, name=path.name),
                kind=ImportKind.POS, by=None, now=timezone.now(),
            )
        run_import_task(run.pk)
        result = run.pk
        """,
        env,
        timeout=timeout,
    )
    return run_id
