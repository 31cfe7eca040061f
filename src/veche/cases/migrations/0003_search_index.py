"""Index `Case.search_lemmas` for full-text search (cases/search.py).

SQLite: an external-content FTS5 table kept in sync by triggers, so every write path (the ORM,
bulk inserts, raw SQL) updates it. PostgreSQL: a GIN index over the same expression the search
uses. Other vendors fall back to no index.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE cases_case_fts USING fts5("
    "search_lemmas, content='cases_case', content_rowid='id')",
    "CREATE TRIGGER cases_case_fts_ai AFTER INSERT ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(rowid, search_lemmas) VALUES (new.id, new.search_lemmas); END",
    "CREATE TRIGGER cases_case_fts_ad AFTER DELETE ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_lemmas) "
    "VALUES ('delete', old.id, old.search_lemmas); END",
    "CREATE TRIGGER cases_case_fts_au AFTER UPDATE OF search_lemmas ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_lemmas) "
    "VALUES ('delete', old.id, old.search_lemmas); "
    "INSERT INTO cases_case_fts(rowid, search_lemmas) VALUES (new.id, new.search_lemmas); END",
    "INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS cases_case_fts_ai",
    "DROP TRIGGER IF EXISTS cases_case_fts_ad",
    "DROP TRIGGER IF EXISTS cases_case_fts_au",
    "DROP TABLE IF EXISTS cases_case_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX case_search_lemmas_gin ON cases_case "
    "USING gin (to_tsvector('simple'::regconfig, search_lemmas))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS case_search_lemmas_gin"]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_relations")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
