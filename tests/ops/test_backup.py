"""`veche backup` / `veche restore`: a round trip into an empty instance keeps every row and
every file; a damaged archive or a non-empty target is refused and leaves the target as it was.
Runs real `veche` subprocesses on their own databases (SQLite always, PostgreSQL if reachable)."""

import gzip
import io
import json
import sqlite3
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ops.instance import Instance, pg_available, pg_instance, seed, sqlite_instance

CASE_FIELDS = "SELECT number, text, status, channel_id FROM cases_case ORDER BY number"
ANSWERS = "SELECT case_id, text, state FROM cases_answer ORDER BY id"
ATTACHMENTS = "SELECT case_id, file, name, size FROM cases_attachment ORDER BY id"
EVENTS = "SELECT case_id, kind, comment FROM cases_event ORDER BY id"


def _same_rows(
    before: dict[str, int], after: dict[str, int], source: Instance, target: Instance
) -> None:
    """Every table of the source has its rows in the target. Restore ends with `migrate`: a
    migration newer than the source's (the code moved on) may add tables and its own row in
    django_migrations, nothing else."""
    migrations = "SELECT app, name FROM django_migrations"
    assert set(source.query(migrations)) <= set(target.query(migrations))
    kept = {t: n for t, n in after.items() if t in before and t != "django_migrations"}
    assert kept == {t: n for t, n in before.items() if t != "django_migrations"}


def _round_trip(source: Instance, target: Instance, archive: Path) -> dict[str, Any]:
    seed(source)
    result = source.run("backup", str(archive))
    assert "Копия готова" in result.stdout

    restored = target.run("restore", str(archive))

    assert "Восстановлено из копии" in restored.stdout
    before, after = source.row_counts(), target.row_counts()
    assert before["cases_case"] == 6
    assert before["cases_attachment"] == 12
    assert before["cases_answer"] == 2
    _same_rows(before, after, source, target)
    for statement in (CASE_FIELDS, ANSWERS, ATTACHMENTS, EVENTS):
        assert target.query(statement) == source.query(statement)
    files = source.files()
    assert len(files) == 13  # 12 attachments and a report
    assert target.files() == files
    for path, _name, _size in [row[1:] for row in source.query(ATTACHMENTS)]:
        assert (target.var_dir / "uploads" / str(path)).read_bytes() == files[str(path)]
    assert not (target.var_dir / "cache" / "junk.djcache").exists()
    assert not (target.var_dir / "static" / "site.css").exists()
    with tarfile.open(archive) as tar:
        manifest: dict[str, Any] = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["row_counts"] == before
    assert manifest["database"]["vendor"] == source.vendor
    assert "0001_initial" in manifest["migrations"]["cases"]
    return manifest


@pytest.fixture(scope="module")
def sqlite_archive(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[tuple[Path, Path]]:
    base = tmp_path_factory.mktemp("backup_sqlite")
    source = sqlite_instance(base, "source", template=migrated_sqlite)
    target = sqlite_instance(base, "target")
    archive = base / "veche.tar.gz"
    manifest = _round_trip(source, target, archive)
    assert manifest["members"]["database/veche.sqlite3"]["size"] > 0
    yield archive, base


def test_sqlite_round_trip(sqlite_archive: tuple[Path, Path]) -> None:
    archive, _ = sqlite_archive

    assert archive.stat().st_size > 0  # the comparisons run in the fixture, once


@pytest.mark.skipif(not pg_available(), reason="PostgreSQL at 127.0.0.1:5432 is not reachable")
def test_postgres_round_trip(tmp_path: Path) -> None:
    with pg_instance(tmp_path, "src") as source, pg_instance(tmp_path, "dst") as target:
        manifest = _round_trip(source, target, tmp_path / "veche.tar.gz")

        assert "database/veche.pgdump" in manifest["members"]
        # A second restore over the data needs --force, and then gives the same rows.
        refused = target.run("restore", str(tmp_path / "veche.tar.gz"), check=False)
        assert refused.returncode != 0
        assert "не пуст" in refused.stderr
        target.run("restore", "--force", str(tmp_path / "veche.tar.gz"))
        _same_rows(source.row_counts(), target.row_counts(), source, target)


def _refused(target: Instance, archive: Path, message: str) -> None:
    result = target.run("restore", str(archive), check=False)

    assert result.returncode != 0
    assert message in result.stderr
    # Nothing was written: no tables, no files, no staging left behind.
    assert target.tables() == [] if (target.var_dir / "veche.sqlite3").exists() else True
    assert [p.name for p in target.var_dir.iterdir() if p.name.startswith(".restore")] == []
    assert target.files() == {}


def test_truncated_archive_is_refused(sqlite_archive: tuple[Path, Path]) -> None:
    archive, base = sqlite_archive
    cut = base / "cut.tar.gz"
    data = archive.read_bytes()
    cut.write_bytes(data[: len(data) // 2])

    _refused(sqlite_instance(base, "cut"), cut, "повреждён или обрезан")


def test_flipped_byte_is_refused(sqlite_archive: tuple[Path, Path]) -> None:
    archive, base = sqlite_archive
    bad = base / "bad.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 3] ^= 0xFF
    bad.write_bytes(bytes(data))

    _refused(sqlite_instance(base, "bad"), bad, "Архив повреждён")


def test_tampered_file_fails_the_checksum(sqlite_archive: tuple[Path, Path]) -> None:
    archive, base = sqlite_archive
    tampered = base / "tampered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src:
            body = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith(".txt"):
                body = body.replace("заметка".encode(), "ЗАМЕТКА".encode())
            dst.addfile(member, io.BytesIO(body))

    _refused(sqlite_instance(base, "tampered"), tampered, "контрольные суммы не совпадают")


def test_not_a_backup_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.tar.gz"
    plain.write_bytes(gzip.compress(b"just text, not a tar"))

    _refused(sqlite_instance(tmp_path, "t"), plain, "Архив повреждён")


def test_restore_refuses_a_non_empty_instance(sqlite_archive: tuple[Path, Path]) -> None:
    archive, base = sqlite_archive
    target = sqlite_instance(base, "busy")
    conn = sqlite3.connect(target.var_dir / "veche.sqlite3")
    conn.execute("CREATE TABLE kept (x INTEGER)")
    conn.execute("INSERT INTO kept VALUES (42)")
    conn.commit()
    conn.close()
    before = target.row_counts()

    result = target.run("restore", str(archive), check=False)

    assert result.returncode != 0
    assert "не пуст" in result.stderr
    assert target.row_counts() == before == {"kept": 1}
    assert target.files() == {}


def test_a_backup_from_newer_code_is_refused(sqlite_archive: tuple[Path, Path]) -> None:
    archive, base = sqlite_archive
    newer = base / "newer.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(newer, "w:gz") as dst:
        for member in src:
            body = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(body)
                manifest["migrations"]["cases"].append("9999_from_the_future")
                body = json.dumps(manifest).encode()
                member.size = len(body)
            dst.addfile(member, io.BytesIO(body))

    _refused(sqlite_instance(base, "older_code"), newer, "cases.9999_from_the_future")


def test_rotation_keeps_the_newest_archives(tmp_path: Path) -> None:
    from veche.ops.backup import rotate

    names = [f"veche-202611{day:02d}T023000Z.tar.gz" for day in (3, 1, 4, 2)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "other.tar.gz").write_bytes(b"kept: not ours")

    removed = rotate(tmp_path, keep=2)

    assert sorted(p.name for p in removed) == [names[1], names[3]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [names[0], names[2], "other.tar.gz"]
    )
