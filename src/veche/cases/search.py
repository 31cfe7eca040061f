"""Full-text search in Russian word forms: «ямы» finds «яма», «дворе» finds «двор».

Every case stores the pymorphy3 normal forms of the words of its subject and text in
`search_lemmas`. A word can have several (pymorphy3 reads «ямы» as «ям» first and «яма»
second), so all of them are indexed, and a query word matches if any of its normal forms is
present; every query word must match. The database indexes the column: an FTS5 table kept in
sync by triggers on SQLite, a GIN index over `to_tsvector('simple', …)` on PostgreSQL
(migration cases 0002).
"""

import re
from functools import cache, lru_cache

import pymorphy3
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)


@cache
def morph() -> pymorphy3.MorphAnalyzer:
    """The one pymorphy3 analyser of the process (its dictionaries take ~15 MB): search and
    every triage analyser share it."""
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=300_000)
def normal_forms(word: str) -> tuple[str, ...]:
    """Every dictionary form pymorphy3 offers for a word, most likely first; ё read as е."""
    word = word.lower().replace("ё", "е")
    if not word.isalpha():
        return (word,)
    forms = (str(p.normal_form).replace("ё", "е") for p in morph().parse(word))
    return tuple(dict.fromkeys(forms))


def index_text(*parts: str) -> str:
    """The value stored in `Case.search_lemmas`: unique normal forms, in order of appearance."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in WORD.findall(part):
            for form in normal_forms(word):
                seen.setdefault(form, None)
    return " ".join(seen)


def query_terms(query: str) -> list[tuple[str, ...]]:
    """One group of alternative normal forms per distinct query word."""
    return list(dict.fromkeys(normal_forms(w) for w in WORD.findall(query)))


def text_match(query: str) -> Q | None:
    """A condition on `Case`: its text contains every word of the query in some form of it.

    Written as `id IN (ids of matching cases)`, so that the database finds the matches in
    its text index and the scope and order of the inbox only check ids (bench/README.md).
    """
    groups = query_terms(query)
    if not groups:
        return None
    # Forms are [0-9a-zа-я]+ only (see WORD), so they are safe inside both query languages.
    if connection.vendor == "postgresql":
        tsquery = " & ".join("(" + " | ".join(g) + ")" for g in groups)
        return Q(
            id__in=RawSQL(
                "SELECT id FROM cases_case WHERE to_tsvector('simple'::regconfig, search_lemmas)"
                " @@ to_tsquery('simple'::regconfig, %s)",
                [tsquery],
            )
        )
    if connection.vendor == "sqlite":
        match = " AND ".join("(" + " OR ".join(f'"{f}"' for f in g) + ")" for g in groups)
        return Q(
            id__in=RawSQL("SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s", [match])
        )
    raise NotImplementedError(f"search is not implemented for {connection.vendor}")
