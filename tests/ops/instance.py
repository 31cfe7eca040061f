"""Separate Veche instances for the backup, gunicorn and readiness tests: each runs
`.venv/bin/veche` in a subprocess with its own DATABASE_URL and VECHE_VAR_DIR (never the
pytest-django test database), and reads the databases back directly to compare."""

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
VECHE = str(Path(sys.executable).parent / "veche")
PG_ADMIN = os.environ.get("VECHE_TEST_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


@dataclass
class Instance:
    var_dir: Path
    database_url: str

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VECHE_", "DATABASE_"))}
        env |= {
            "VECHE_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": self.database_url,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "veche.settings",
        }
        return env | extra

    def run(self, *args: str, check: bool = True, **extra: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603
            [VECHE, *args],
            env=self.env(**extra),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"veche {' '.join(args)}: {result.stdout}\n{result.stderr}")
        return result

    @property
    def vendor(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    def query(self, statement: str) -> list[tuple[Any, ...]]:
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.database_url.removeprefix("sqlite:///"))
            try:
                return conn.execute(statement).fetchall()
            finally:
                conn.close()
        with psycopg.connect(self.database_url) as pg:
            return pg.execute(statement.encode()).fetchall()

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            rows = self.query(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        else:
            rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return sorted(str(name) for (name,) in rows)

    def row_counts(self) -> dict[str, int]:
        return {
            table: int(self.query(f'SELECT count(*) FROM "{table}"')[0][0])  # noqa: S608
            for table in self.tables()
        }

    def files(self, folder: str = "uploads") -> dict[str, bytes]:
        root = self.var_dir / folder
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }


def sqlite_instance(base: Path, name: str, template: Path | None = None) -> Instance:
    """An instance on its own SQLite file: empty, or a copy of a migrated `template`."""
    var_dir = base / name
    var_dir.mkdir(parents=True)
    if template is not None:
        shutil.copyfile(template, var_dir / "veche.sqlite3")
    return Instance(var_dir, f"sqlite:///{var_dir / 'veche.sqlite3'}")


def pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def pg_instance(base: Path, name: str) -> Iterator[Instance]:
    """A scratch PostgreSQL database, created empty and dropped afterwards."""
    db = f"veche_ops_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    var_dir = base / name
    var_dir.mkdir(parents=True)
    admin = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield Instance(var_dir, f"{admin}/{db}")
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
            )


# Run inside an instance by `veche shell`: a world, cases with comments, answers, attachments.
SEED = """
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.personas import NOW, build_world, make_case
from veche.cases.models import Answer
from veche.cases.services import add_comment, attach_file, draft_answer

w = build_world()
png = b"\\x89PNG\\r\\n\\x1a\\n" + bytes(range(256)) * 40
for i in range(6):
    case = make_case(
        w.municipality, text=f"Обращение номер {i}: яма у дома {i}", department=w.housing,
        channel="pos" if i % 2 else "email",
    )
    add_comment(case, f"Комментарий {i}", by=w.housing_executor, now=NOW)
    attach_file(case, SimpleUploadedFile(f"фото {i}.png", png + bytes([i])), by=None, now=NOW)
    attach_file(case, SimpleUploadedFile("note.txt", f"заметка {i}".encode()), by=None, now=NOW)
    if i % 3 == 0:
        draft_answer(
            case, f"Ответ на обращение {i}", by=w.housing_executor, now=NOW,
            kind=Answer.Kind.INTERIM,
        )
print("seeded")
"""


def seed(instance: Instance) -> None:
    instance.run("migrate", "-v0")  # a no-op on a copy of the migrated template
    result = instance.run("shell", "-c", SEED)
    assert "seeded" in result.stdout, result.stderr
    # Stateful files beside the uploads, and rebuildable ones that must not be saved.
    (instance.var_dir / "uploads" / "reports" / "2026" / "11").mkdir(parents=True)
    (instance.var_dir / "uploads" / "reports" / "2026" / "11" / "q3.pdf").write_bytes(b"%PDF-1.4")
    (instance.var_dir / "cache").mkdir(exist_ok=True)
    (instance.var_dir / "cache" / "junk.djcache").write_bytes(b"cache")
    (instance.var_dir / "static" / "site.css").write_text("body{}")
