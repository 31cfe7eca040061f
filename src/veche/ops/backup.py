"""Backup and restore of one installation: the database and the files under VECHE_VAR_DIR.

An archive is a gzipped tar:

- ``database/veche.sqlite3`` (SQLite, copied with the online backup API) or
  ``database/veche.pgdump`` (PostgreSQL, ``pg_dump`` custom format);
- ``files/…`` — every stateful file under VECHE_VAR_DIR (uploads: attachments, imported exports,
  road-map files, report archives), at its path relative to VECHE_VAR_DIR;
- ``manifest.json`` (last): format, Veche version, commit, the migrations applied in the dumped
  database, its vendor, when, the rows per table and the sha256 and size of every member.

Consistency. The database is one snapshot: on PostgreSQL pg_dump runs inside a REPEATABLE READ
transaction whose snapshot it shares (``--snapshot``), and the row counts and migrations of the
manifest are read in that same transaction; on SQLite the backup API copies a consistent
state and the counts are read from the copy. Files are copied after the snapshot: an upload
finished in between is in the archive without its database row (harmless: an orphan file);
files are never changed in place (new uploads get new names), so a row of the snapshot always
finds its file unless the file was deleted after the snapshot. For an exact copy stop the web
and worker services first. Not saved (rebuildable or transient): static files (collectstatic),
the file cache, the embedded task queue (pending jobs: the periodic ones come back by
themselves), earlier backups.

Restore checks the whole archive (every member against the manifest's sha256) into a staging
folder before it touches anything, refuses a target that already has tables or files unless
forced, loads the database in one transaction, moves the files in, and then migrates (the
backup may be older than the code).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump and pg_restore, fixed arguments  # nosec B404
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import psycopg
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from psycopg import sql
from psycopg.conninfo import make_conninfo

from veche.ops.metrics import veche_version

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/veche.sqlite3"
PG_MEMBER = "database/veche.pgdump"
FILES_PREFIX = "files/"
# Top-level entries of VECHE_VAR_DIR never saved: rebuildable, transient, or backups themselves.
EXCLUDED_TOP = {"static", "cache", "backups"}
EXCLUDED_SUFFIXES = ("-wal", "-shm", "-journal")
CHUNK = 1024 * 1024

Say = Callable[[str], None]


class BackupError(Exception):
    """A problem the administrator must see: the message says what and what to do."""


def _quiet(_: str) -> None:
    pass


# --- what is saved ---------------------------------------------------------------------------


def var_dir() -> Path:
    return Path(settings.VAR_DIR).resolve()


def _database_paths() -> set[Path]:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return {Path(str(db["NAME"])).resolve()}
    return set()


def stateful_files(also_skip: tuple[Path, ...] = ()) -> list[Path]:
    """The files under VECHE_VAR_DIR a restore needs, sorted; see EXCLUDED_TOP. The SQLite
    database and the embedded task queue (with their -wal/-shm/-journal files), the backup
    folder and `also_skip` (folders or files) are left out."""
    root = var_dir()
    databases = set(_database_paths())
    if settings.HUEY.get("filename"):
        databases.add(Path(str(settings.HUEY["filename"])).resolve())
    skip_names = {db.name + suffix for db in databases for suffix in ("", *EXCLUDED_SUFFIXES)}
    skip_dirs = {Path(settings.VECHE_BACKUP_DIR).resolve(), *(p.resolve() for p in also_skip)}
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in EXCLUDED_TOP or relative.parts[0].startswith(".restore-"):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        resolved = path.resolve()
        if resolved.parent in {db.parent for db in databases} and path.name in skip_names:
            continue
        if resolved in skip_dirs or any(parent in skip_dirs for parent in resolved.parents):
            continue
        found.append(path)
    return found


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Hands a file to tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


# --- database snapshot -----------------------------------------------------------------------


def _pg_params() -> dict[str, str]:
    db = settings.DATABASES["default"]
    params = {
        "dbname": str(db.get("NAME") or ""),
        "host": str(db.get("HOST") or ""),
        "port": str(db.get("PORT") or ""),
        "user": str(db.get("USER") or ""),
        "password": str(db.get("PASSWORD") or ""),
    }
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        params["sslmode"] = str(sslmode)
    return {key: value for key, value in params.items() if value}


def _conninfo() -> str:
    return make_conninfo(**_pg_params())


def _pg_env() -> dict[str, str]:
    names = {
        "dbname": "PGDATABASE",
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",  # the variable's name  # nosec B105
        "sslmode": "PGSSLMODE",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env |= {names[key]: value for key, value in _pg_params().items()}
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Не найдена программа {name}: установите клиент PostgreSQL той же или более новой "
            "версии, что и сервер (пакет postgresql-client)."
        )
    return path


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 — fixed programs, arguments are ours  # nosec B603
        args, env=_pg_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what}: {result.stderr.strip() or result.returncode}")


def _pg_tables(cursor: psycopg.Cursor[Any]) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    return [(str(s), str(t)) for s, t in cursor.fetchall()]


def _pg_snapshot(target: Path) -> dict[str, Any]:
    pg_dump = _tool("pg_dump")
    with psycopg.connect(_conninfo(), autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone() or ("", "")
        _run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
            ],
            "pg_dump",
        )
        counts = {}
        for schema, table in _pg_tables(cursor):
            name = table if schema == "public" else f"{schema}.{table}"
            cursor.execute(
                sql.SQL("SELECT count(*) FROM {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
            counts[name] = int((cursor.fetchone() or (0,))[0])
        migrations = _migrations(cursor) if "django_migrations" in counts else {}
        cursor.execute("ROLLBACK")
    return {"server_version": server_version, "row_counts": counts, "migrations": migrations}


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [str(name) for (name,) in rows]


def _quoted(name: str) -> str:
    """An SQLite identifier, quoted even if a crafted file names a table with a quote."""
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    try:
        counts = {
            # Table names come from the file's own catalogue, quoted as identifiers.
            table: int(conn.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0])  # noqa: S608  # nosec B608
            for table in _sqlite_tables(conn)
        }
        migrations = _migrations(conn.cursor()) if "django_migrations" in counts else {}
        version = sqlite3.sqlite_version
    finally:
        conn.close()
    return {"server_version": version, "row_counts": counts, "migrations": migrations}


def _migrations(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(str(app), []).append(str(name))
    return applied


def _sqlite_snapshot(target: Path) -> dict[str, Any]:
    source_path = Path(str(settings.DATABASES["default"]["NAME"]))
    if not source_path.exists():
        raise BackupError(f"Нет файла базы {source_path}: нечего сохранять.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return _sqlite_counts(target)


# --- backup ----------------------------------------------------------------------------------


def _git_commit() -> str:
    root = Path(__file__).resolve().parents[3]
    head = root / ".git" / "HEAD"
    try:
        ref = head.read_text(encoding="utf-8").strip()
        if ref.startswith("ref: "):
            return (root / ".git" / ref[5:]).read_text(encoding="utf-8").strip()
        return ref
    except OSError:
        return ""


def default_archive_path(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VECHE_BACKUP_DIR) / f"veche-{stamp}.tar.gz"


def create_backup(target: Path | None = None, *, say: Say = _quiet) -> tuple[Path, dict[str, Any]]:
    """Write an archive (a .part file renamed at the end); returns its path and manifest."""
    vendor = connections["default"].vendor
    target = (target or default_archive_path()).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "app": "veche",
        "veche_version": veche_version(),
        "git_commit": _git_commit(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"vendor": vendor},
        "members": {},
    }
    with tempfile.TemporaryDirectory(prefix="veche-backup-", dir=target.parent) as tmp:
        if vendor == "sqlite":
            member = SQLITE_MEMBER
            say("Копия базы SQLite (online backup)…")
            state = _sqlite_snapshot(Path(tmp) / "db")
        elif vendor == "postgresql":
            member = PG_MEMBER
            say("Снимок базы PostgreSQL (pg_dump)…")
            state = _pg_snapshot(Path(tmp) / "db")
        else:
            raise BackupError(f"Резервное копирование базы {vendor} не поддерживается.")
        manifest["database"] |= {"member": member, "server_version": state["server_version"]}
        manifest["migrations"] = state["migrations"]
        manifest["row_counts"] = state["row_counts"]
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                db_file = Path(tmp) / "db"
                manifest["members"][member] = _add(tar, db_file, member)
                files = stateful_files((Path(tmp), partial, target))
                say(f"Файлы: {len(files)}…")
                root = var_dir()
                for path in files:
                    name = FILES_PREFIX + path.relative_to(root).as_posix()
                    manifest["members"][name] = _add(tar, path, name)
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(datetime.now(UTC).timestamp())
                tar.addfile(info, _BytesReader(data))
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target, manifest


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk = self.data[self.offset : end]
        self.offset += len(chunk)
        return chunk


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    with path.open("rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(path.stat().st_mtime)
        info.mode = 0o640
        reader = _HashingReader(stream)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": size}


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives named veche-*.tar.gz in `directory`."""
    archives = sorted(directory.glob("veche-*.tar.gz"), key=lambda p: p.name, reverse=True)
    removed = archives[keep:] if keep > 0 else []
    for path in removed:
        path.unlink()
    return removed


# --- restore ---------------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and (name == MANIFEST or name.startswith(("database/", FILES_PREFIX)))
    )


def _members(archive: Path) -> Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]:
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            yield member, tar.extractfile(member) if member.isreg() else None
        # Read to the end of the gzip stream: its CRC and length are checked only there.
        stream = tar.fileobj
        while stream is not None and stream.read(CHUNK):
            pass


def unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Extract into `staging` and check every member against the manifest; returns it."""
    if not archive.is_file():
        raise BackupError(f"Нет файла {archive}.")
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes = b""
    try:
        for member, stream in _members(archive):
            if member.isdir():
                continue
            if stream is None or not _safe_member(member.name) or member.name in seen:
                raise BackupError(f"Посторонний элемент в архиве: {member.name!r}.")
            if member.name == MANIFEST:
                manifest_bytes = stream.read(16 * CHUNK)
                seen[MANIFEST] = {}
                continue
            destination = staging / member.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            size = 0
            with destination.open("wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            seen[member.name] = {"sha256": digest.hexdigest(), "size": size}
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"Архив повреждён или обрезан: {error}") from None
    if not manifest_bytes:
        raise BackupError("Архив повреждён или это не копия Вече: нет manifest.json.")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        raise BackupError("manifest.json повреждён.") from None
    if not isinstance(manifest, dict) or manifest.get("app") != "veche":
        raise BackupError("manifest.json не от резервной копии Вече.")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"Формат копии {manifest.get('format')!r}, эта версия читает формат {FORMAT}."
        )
    listed = manifest.get("members")
    if not isinstance(listed, dict):
        raise BackupError("manifest.json повреждён: нет списка файлов.")
    seen.pop(MANIFEST)
    if set(listed) != set(seen):
        missing = sorted(set(listed) - set(seen))[:5]
        extra = sorted(set(seen) - set(listed))[:5]
        raise BackupError(
            f"Архив повреждён: состав не совпадает с manifest.json: нет {missing}, лишние {extra}."
        )
    bad = [name for name, facts in seen.items() if listed[name] != facts]
    if bad:
        raise BackupError(
            f"Архив повреждён: контрольные суммы не совпадают: {', '.join(sorted(bad)[:5])}."
        )
    return manifest


def target_contents() -> tuple[list[str], list[Path]]:
    """Tables of the configured database and stateful files under VECHE_VAR_DIR."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with psycopg.connect(_conninfo()) as conn, conn.cursor() as cursor:
            tables = [t if s == "public" else f"{s}.{t}" for s, t in _pg_tables(cursor)]
    else:
        with connection.cursor() as cursor:
            tables = list(connection.introspection.table_names(cursor))
        connection.close()
    return tables, stateful_files()


def unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations applied in the backed-up database that this code does not have."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = manifest.get("migrations") or {}
    return sorted(
        f"{app}.{name}"
        for app, names in applied.items()
        for name in names
        if (app, name) not in known
    )


def _restore_sqlite(staged: Path) -> None:
    connections.close_all()
    target = Path(str(settings.DATABASES["default"]["NAME"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # replaces every page at once, in one write transaction
    except sqlite3.Error as error:
        raise BackupError(f"Не удалось записать базу SQLite: {error}") from None
    finally:
        destination.close()
        source.close()


def _restore_postgres(staged: Path, workdir: Path, *, wipe: bool) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    connections.close_all()
    script = workdir / "restore.sql"
    body = workdir / "dump.sql"
    _run([pg_restore, "--no-owner", "--no-privileges", f"--file={body}", str(staged)], "pg_restore")
    with script.open("wb") as out:
        if wipe:
            out.write(b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        with body.open("rb") as dump:
            shutil.copyfileobj(dump, out, CHUNK)
    body.unlink()
    # One transaction: a failure leaves the database as it was.
    _run(
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--file={script}",
        ],
        "psql (загрузка копии)",
    )


def _restore_files(staging: Path, *, wipe: bool) -> int:
    """Move the staged files into VECHE_VAR_DIR; with `wipe`, the current stateful files go."""
    root = var_dir()
    if wipe:
        for path in stateful_files():
            path.unlink()
    source_root = staging / FILES_PREFIX
    count = 0
    if source_root.is_dir():
        for path in sorted(p for p in source_root.rglob("*") if p.is_file()):
            destination = root / path.relative_to(source_root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
            count += 1
    return count


def restore_backup(archive: Path, *, force: bool = False, say: Say = _quiet) -> dict[str, Any]:
    """Check the archive, load it into the configured (empty, or with `force` wiped) instance."""
    vendor = connections["default"].vendor
    root = var_dir()
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
    try:
        say("Проверка архива…")
        manifest = unpack(archive, staging)
        database = manifest.get("database") or {}
        if database.get("vendor") != vendor:
            raise BackupError(
                f"Копия сделана с базы {database.get('vendor')!r}, а настроена {vendor!r}: "
                "восстановление между разными СУБД не поддерживается."
            )
        member = str(database.get("member", ""))
        if member not in manifest["members"]:
            raise BackupError("В архиве нет файла базы.")
        unknown = unknown_migrations(manifest)
        if unknown and not force:
            raise BackupError(
                "Копия сделана более новой версией Вече: этой версии неизвестны миграции "
                f"{', '.join(unknown[:5])}. Обновите Вече до версии копии "
                f"({manifest.get('veche_version')}) или добавьте --force."
            )
        tables, files = target_contents()
        if (tables or files) and not force:
            raise BackupError(
                f"Экземпляр не пуст: таблиц {len(tables)}, файлов {len(files)}. Восстанавливайте "
                "в пустую базу и пустой VECHE_VAR_DIR или добавьте --force (текущие данные будут "
                "удалены)."
            )
        say("Загрузка базы…")
        if vendor == "sqlite":
            _restore_sqlite(staging / member)
        else:
            _restore_postgres(staging / member, staging, wipe=bool(tables))
        say("Файлы…")
        count = _restore_files(staging, wipe=force)
        say(f"Восстановлено файлов: {count}.")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        connections.close_all()
    return manifest
