"""Recurring problems the МЦУ has not named yet (issue 7): candidates found in a
municipality's cases, ranked by the citizens they affect and by their growth, each with the
evidence an officer needs to decide whether to name it.

Three detectors read the same rows (one `values_list` query, recurring_rows.py; grouping in
Python and numpy, never a query per case):

- place (recurring_places.py): the same topic at the same place — a house or landmark of the
  gazetteer, a street and house read from the text, the H3 cell of the citizen's own point or
  a street — from distinct citizens in distinct weeks, more citizens than chance gives a place
  of that topic (Poisson, Benjamini–Hochberg at 5 % false discoveries);
- seasonal (recurring_places.py): the same topic and place in the same one or two calendar
  months of two or more years, more there than the topic's own season explains;
- phrase (recurring_phrases.py): the same distinctive pair of lemmas in the texts of distinct
  citizens from two or more channels, concentrated in a stretch of weeks more than its
  topics' cases are (a way of saying comes and goes with its topic; a problem does not).

Cases of a named problem are left out; cases the pipeline grouped into an unnamed problem are
kept, and the candidate says which problems hold them. Candidates that are mostly the same
cases (Jaccard ≥ 0.5, or the smaller 80 % inside the other) are merged into one with all their
kinds. Score: citizens × growth factor, the factor being (cases in the last 90 days + 1) /
(cases in the 90 before + 1), held within 0.5–3: many citizens first, and of two alike the one
that grows.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

from veche.cases.models import Case, CaseAnalysis
from veche.cases.workflow import Status
from veche.catalog.models import Topic
from veche.org.models import Municipality
from veche.problems.models import ProblemCase
from veche.problems.recurring_phrases import phrase_groups, surface_phrases
from veche.problems.recurring_places import place_groups
from veche.problems.recurring_rows import FIELDS, Group, Loaded, Thresholds, merge_groups

PLACE, PHRASE, SEASONAL = "place", "phrase", "seasonal"
KIND_LABELS = {
    PLACE: "то же место и тема",
    SEASONAL: "сезонный возврат",
    PHRASE: "та же фраза в разных каналах",
}
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь")  # fmt: skip
EXCERPT_LENGTH = 240
SPARE = 20  # candidates ranked beyond the limit, for those dropped while naming
CHUNK = 5000

__all__ = ["KIND_LABELS", "Candidate", "Excerpt", "Thresholds", "find_candidates"]


@dataclass(frozen=True)
class Excerpt:
    case_id: int
    number: str
    text: str  # the masked text (personal data replaced), shortened


@dataclass
class Candidate:
    """A recurring problem the МЦУ may name, with its evidence."""

    key: str
    kinds: tuple[str, ...]
    topic_id: int | None
    territory_id: int | None
    case_ids: tuple[int, ...]  # oldest first
    citizens: int
    channels: tuple[str, ...]  # channel names, most cases first
    months: tuple[tuple[str, int], ...]  # («2026-04», cases) over the whole period
    years: tuple[int, ...]  # seasonal: the years of the season
    season: tuple[int, ...]  # seasonal: the months of the year (1–12)
    recent: int  # cases in the last `recent_days`
    previous: int  # cases in the `recent_days` before those
    score: float
    problem_ids: tuple[int, ...]  # unnamed (pipeline) problems holding some of the cases
    first_at: datetime
    last_at: datetime
    title: str = ""
    place: str = ""  # the place as read («ул. Мира, д. 17»), or ""
    phrase: str = ""  # the phrase as a citizen wrote it, or ""
    excerpts: tuple[Excerpt, ...] = ()

    @property
    def kind_labels(self) -> list[str]:
        return [KIND_LABELS[k] for k in self.kinds]

    @property
    def season_label(self) -> str:
        return "–".join(MONTHS[m - 1] for m in self.season)

    @property
    def growth(self) -> int:
        return self.recent - self.previous

    @property
    def peak(self) -> int:
        return max((n for _, n in self.months), default=0)

    @property
    def month_summary(self) -> str:
        """«июнь 2026: 1; август 2026: 2» — the months with cases, in order."""
        return "; ".join(
            f"{MONTHS[int(label[5:]) - 1]} {label[:4]}: {n}" for label, n in self.months if n
        )


def find_candidates(
    municipality: Municipality,
    *,
    now: datetime,
    limit: int | None = None,
    thresholds: Thresholds | None = None,
) -> list[Candidate]:
    """The municipality's recurring problems not yet named, best first (see the module).
    Reads every case of the period: call it for a municipality the actor sees as a whole."""
    th = thresholds or Thresholds()
    loaded = _load(municipality, now=now, th=th)
    if not loaded.rows:
        return []
    places = place_groups(loaded, th)
    groups = places + phrase_groups(loaded, th, prior=places)
    loaded.lemmas.clear()  # the largest column, not needed past the phrases
    ranked = sorted(
        ((_candidate(loaded, group, now=now, th=th), group) for group in merge_groups(groups, th)),
        key=lambda pair: (-pair[0].score, -pair[0].citizens, -len(pair[0].case_ids), pair[0].key),
    )
    chosen = _named(ranked if limit is None else ranked[: limit + SPARE], loaded)
    chosen = chosen if limit is None else chosen[:limit]
    _add_excerpts(chosen, th.excerpts)
    return chosen


def _load(municipality: Municipality, *, now: datetime, th: Thresholds) -> Loaded:
    since = now - timedelta(days=th.period_days)
    links = ProblemCase.objects.filter(problem__municipality=municipality)
    named = set(links.filter(problem__named_at__isnull=False).values_list("case_id", flat=True))
    grouped = dict(
        links.filter(problem__named_at__isnull=True).values_list("case_id", "problem_id")
    )
    rows = (
        Case.objects.filter(municipality=municipality, received_at__gte=since, received_at__lt=now)
        .exclude(status=Status.REJECTED)
        .order_by()
        .values_list(*FIELDS, "search_lemmas")
    )
    loaded = Loaded(
        tz=ZoneInfo(municipality.time_zone), h3_resolution=th.h3_resolution, since=since, now=now
    )
    for row in _raw(rows, connections[rows.db]):
        if row[0] not in named:
            loaded.add(row[:-1], lemmas=row[-1], problem_id=grouped.get(row[0]))
    loaded.finish()
    return loaded


def _raw(rows: QuerySet[Any], connection: BaseDatabaseWrapper) -> Iterator[tuple[Any, ...]]:
    """The query's rows as the database driver gives them, streamed. Django's per-row
    converters (a datetime parsed from text on SQLite) cost half of the whole detection at
    100,000 cases (bench/recurring.py); the one datetime column is read here instead: text
    (SQLite stores naive UTC) or an aware datetime (PostgreSQL)."""
    sql, params = rows.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            for row in chunk:
                at = row[1]
                if isinstance(at, str):
                    at = datetime.fromisoformat(at).replace(tzinfo=UTC)
                elif at.tzinfo is None:
                    at = at.replace(tzinfo=UTC)
                yield (row[0], at, *row[2:])


def _candidate(loaded: Loaded, group: Group, *, now: datetime, th: Thresholds) -> Candidate:
    rows = sorted((loaded.rows[i] for i in group.members), key=lambda r: (r.received_at, r.pk))
    citizens = len({r.citizen for r in rows})
    recent_from = now - timedelta(days=th.recent_days)
    previous_from = recent_from - timedelta(days=th.recent_days)
    recent = sum(1 for r in rows if r.received_at >= recent_from)
    previous = sum(1 for r in rows if previous_from <= r.received_at < recent_from)
    factor = min(3.0, max(0.5, (recent + 1) / (previous + 1)))
    seasonal = next((g for g in group.parts if SEASONAL in g.kinds), None)
    channels = Counter(r.channel_id for r in rows).most_common()
    return Candidate(
        key=_key(loaded, group),
        kinds=tuple(k for k in KIND_LABELS if k in group.kinds),
        topic_id=_most_common(r.topic_id for r in rows),
        territory_id=_most_common(r.territory_id for r in rows),
        case_ids=tuple(r.pk for r in rows),
        citizens=citizens,
        channels=tuple(loaded.channel_names.get(pk, "") for pk, _ in channels),
        months=loaded.month_histogram(rows),
        years=seasonal.years if seasonal else (),
        season=seasonal.season if seasonal else (),
        recent=recent,
        previous=previous,
        score=round(citizens * factor, 2),
        problem_ids=tuple(sorted({r.problem_id for r in rows if r.problem_id is not None})),
        first_at=rows[0].received_at,
        last_at=rows[-1].received_at,
    )


def _key(loaded: Loaded, group: Group) -> str:
    """Stable while the cases stay: the first case, the number of cases and the kinds."""
    kinds = "".join(k[0] for k in sorted(group.kinds))
    return f"c{min(loaded.rows[i].pk for i in group.members)}-{len(group.members)}{kinds}"


def _most_common(values: Iterable[int | None]) -> int | None:
    counted = Counter(v for v in values if v is not None)
    return counted.most_common(1)[0][0] if counted else None


def _named(ranked: Sequence[tuple[Candidate, Group]], loaded: Loaded) -> list[Candidate]:
    """Titles: «тема — место» for a place, the phrase as a citizen wrote it otherwise. A phrase
    found in no masked text was personal data: its candidate is dropped."""
    topic_ids = {c.topic_id for c, _ in ranked if c.topic_id}
    topics = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "name"))
    phrases = surface_phrases(
        [(c.case_ids, _phrase_tokens(group)) for c, group in ranked if PHRASE in c.kinds]
    )
    phrase_of = iter(phrases)
    kept = []
    for candidate, group in ranked:
        place = next((g.place for g in group.parts if g.place is not None), None)
        candidate.place = loaded.place_label(place, group.members) if place else ""
        candidate.phrase = next(phrase_of) if PHRASE in candidate.kinds else ""
        if candidate.kinds == (PHRASE,) and not candidate.phrase:
            continue
        topic = topics.get(candidate.topic_id) if candidate.topic_id else None
        if candidate.place and topic:
            candidate.title = f"{topic} — {candidate.place}"
        elif candidate.phrase:
            candidate.title = f"«{candidate.phrase}»" + (f" ({topic})" if topic else "")
        else:
            candidate.title = topic or candidate.place or "Повторяющиеся обращения"
        kept.append(candidate)
    return kept


def _phrase_tokens(group: Group) -> tuple[str, ...]:
    tokens: dict[str, None] = {}
    for part in group.parts:
        tokens.update(dict.fromkeys(part.phrase_tokens))
    return tuple(tokens)


def _add_excerpts(chosen: Sequence[Candidate], per_candidate: int) -> None:
    """A few masked texts of each candidate, latest first. A case the pipeline has not read
    has no masked text and gives no excerpt: the raw text is never shown."""
    if per_candidate <= 0 or not chosen:
        return
    wanted = {pk for c in chosen for pk in c.case_ids[-4 * per_candidate :]}
    texts = dict(
        CaseAnalysis.objects.filter(case_id__in=wanted)
        .exclude(masked_text="")
        .values_list("case_id", "masked_text")
    )
    numbers = dict(Case.objects.filter(pk__in=texts).values_list("pk", "number"))
    for candidate in chosen:
        found: list[Excerpt] = []
        for pk in reversed(candidate.case_ids):
            if pk in texts and len(found) < per_candidate:
                found.append(Excerpt(pk, numbers[pk], _shorten(texts[pk])))
        candidate.excerpts = tuple(found)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[: EXCERPT_LENGTH - 1].rsplit(" ", 1)[0] + "…"
