"""The analytics figures computed again by plain SQL over the case tables, for
`bench/analytics.py`: GROUP BY over `cases_case` joined to its answers, clocks, events, answer
checks and surveys, through `django.db.connection`. No analytics table is read.

The SQL restates what `veche.analytics.facts` says each moment means, so the two can be
compared number for number:

- local day: the stored UTC text shifted by the municipality's offset (`Local`; the zone must
  keep one offset over the data, as Moscow has since 2014, or the run stops and says so);
- reaction: the first answer of any kind sent; answer: the first final answer sent (by
  `sent_at`, then id), its brush-off verdict the check of that very answer;
- in time: the case's first clock of that kind (number 1), `met` or `missed`, else no verdict;
- finished: the case is closed, redirected, merged or rejected, on the day of the status
  change (by id) that began its last stretch of such statuses; without answer when no final
  answer was ever sent;
- redirected, reopened, returned, repeat: an event of that kind at least once; extended: the
  first answer clock was extended;
- seconds: whole seconds from receipt, truncated, never below zero (microseconds included);
- rating: the latest answered survey (by `answered_at`, then id);
- a quantile: linear interpolation between the nearest ranks, done in SQL with window
  functions (the arithmetic of `indicators.quantile`, so medians match exactly).

What a figure is made of (which counters, on which day) is read from `indicators.SPECS` and
`models.COUNTERS`: the baseline replaces the store, not the definitions.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
from django.db import connection

from veche.analytics.facts import FINISHED, H3_RESOLUTION, REWORK_FROM, SATISFIED_FROM
from veche.analytics.indicators import SPECS, Indicator, Kind, Period
from veche.analytics.models import COUNTERS
from veche.cases.models import Answer, Case, Event
from veche.cases.workflow import Status
from veche.catalog.models import Topic
from veche.deadlines.models import Clock
from veche.feedback.models import AnswerCheck, Survey
from veche.org.models import Department

CASES, ANSWERS, EVENTS = Case._meta.db_table, Answer._meta.db_table, Event._meta.db_table
CLOCKS, CHECKS, SURVEYS = Clock._meta.db_table, AnswerCheck._meta.db_table, Survey._meta.db_table
TOPICS, DEPARTMENTS = Topic._meta.db_table, Department._meta.db_table
Key = Any  # a group: an id, a regime, a month's first day, or None
QUANTILES = (0.5, 0.9)  # the median and the 90th percentile: all the indicators ask for
Sums = dict[Key, dict[str, int]]


@dataclass(frozen=True)
class Local:
    """One municipality and its fixed UTC offset, for turning stored UTC text into local days."""

    municipality_id: int
    minutes: int

    @classmethod
    def of(cls, municipality_id: int, zone: str, first: datetime, last: datetime) -> "Local":
        tz = ZoneInfo(zone)
        offsets = {tz.utcoffset(first), tz.utcoffset(last)}
        offset = offsets.pop()
        if offsets or offset is None:
            raise SystemExit(f"{zone}: the UTC offset changes over the data; the SQL assumes one")
        return cls(municipality_id, int(offset.total_seconds() // 60))

    def month(self, column: str) -> str:
        return f"strftime('%Y-%m-01', {column}, '{self.minutes:+d} minutes')"

    def bounds(self, period: Period) -> tuple[str, str]:
        """The UTC text of the period's first local midnight and of the one after its end."""
        offset = timedelta(minutes=self.minutes)
        start = datetime.combine(period.start, time()) - offset
        end = datetime.combine(period.end + timedelta(days=1), time()) - offset
        return start.isoformat(" "), end.isoformat(" ")


def stored(moment: datetime) -> str:
    """A datetime as Django stores it on SQLite: naive UTC text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run SQL through Django's connection: a literal % is written %% (its placeholders)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


# --- the moments of a case, as SQL ---------------------------------------------------------------


def _seconds(later: str, earlier: str) -> str:
    """Whole seconds between two stored datetimes, truncated like int(), never negative.
    Django stores them as 'YYYY-MM-DD HH:MM:SS[.ffffff]'; the microseconds start at 21."""
    whole = (
        f"CAST(strftime('%%s', {later}) AS INTEGER) - CAST(strftime('%%s', {earlier}) AS INTEGER)"
    )
    micro = f"CAST(substr({later}, 21) AS INTEGER) - CAST(substr({earlier}, 21) AS INTEGER)"
    return f"MAX(0, (({whole}) * 1000000 + {micro}) / 1000000)"


def _verdict(state: str) -> str:
    return f"CASE {state} WHEN '{Clock.State.MET}' THEN 1 WHEN '{Clock.State.MISSED}' THEN 0 END"


def _status_seen(case: str, status: Status, before: Sequence[str] = ()) -> str:
    """The case has a status change into `status` (from one of `before`, if given)."""
    came = f" AND json_extract(e.before, '$.status') IN {_list(before)}" if before else ""
    return (
        f"EXISTS (SELECT 1 FROM {EVENTS} e WHERE e.case_id = {case}"
        f" AND e.kind = '{Event.Kind.STATUS_CHANGED}'"
        f" AND json_extract(e.after, '$.status') = '{status}'{came})"
    )


def _list(values: Sequence[str] | set[Status]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def _entered_finish(case: str) -> str:
    """The id of the status change that began the case's last stretch of finished statuses
    (closing a redirected case does not move the day it was finished)."""
    status = "json_extract(e.after, '$.status')"
    changes = f"FROM {EVENTS} e WHERE e.case_id = {case} AND e.kind = '{Event.Kind.STATUS_CHANGED}'"
    last_open = f"SELECT MAX(e.id) {changes} AND {status} NOT IN {_list(FINISHED)}"
    after_open = f"e.id > COALESCE(({last_open}), 0)"
    return f"SELECT MIN(e.id) {changes} AND {status} IN {_list(FINISHED)} AND {after_open}"


def _ctes(muni: int) -> dict[str, str]:
    """Per case of the municipality: its first sent final answer, its first sent answer, its
    latest survey reply."""
    return {
        "first_final": f"""first_final AS (
            SELECT case_id, answer_id, sent_at FROM (
                SELECT a.case_id, a.id AS answer_id, a.sent_at, ROW_NUMBER() OVER (
                    PARTITION BY a.case_id ORDER BY a.sent_at, a.id) AS n
                FROM {ANSWERS} a JOIN {CASES} c ON c.id = a.case_id
                WHERE c.municipality_id = {muni}
                  AND a.kind = '{Answer.Kind.FINAL}' AND a.sent_at IS NOT NULL)
            WHERE n = 1)""",
        "first_sent": f"""first_sent AS (
            SELECT a.case_id, MIN(a.sent_at) AS sent_at
            FROM {ANSWERS} a JOIN {CASES} c ON c.id = a.case_id
            WHERE c.municipality_id = {muni} AND a.sent_at IS NOT NULL
            GROUP BY a.case_id)""",
        "latest_rating": f"""latest_rating AS (
            SELECT case_id, answered_at, rating, solved FROM (
                SELECT s.case_id, s.answered_at, s.rating, s.solved, ROW_NUMBER() OVER (
                    PARTITION BY s.case_id ORDER BY s.answered_at DESC, s.id DESC) AS n
                FROM {SURVEYS} s JOIN {CASES} c ON c.id = s.case_id
                WHERE c.municipality_id = {muni}
                  AND s.answered_at IS NOT NULL AND s.rating IS NOT NULL)
            WHERE n = 1)""",
    }


@dataclass(frozen=True)
class Basis:
    """The cases counted on one kind of day: where they come from, the moment that places
    them in a period, the counters (`models.COUNTERS` names) and the seconds quantiles read."""

    cte: str
    source: str  # FROM … with alias c for the case
    moment: str
    counters: dict[str, str]
    seconds: str = ""  # the duration's fact field this basis gives quantiles of
    x: str = "NULL"
    where: str = ""


def _clock(kind: str) -> str:
    return f"LEFT JOIN {CLOCKS} k ON k.case_id = c.id AND k.kind = '{kind}' AND k.number = 1"


X_REACTION = _seconds("f.sent_at", "c.received_at")
X_ANSWER = X_REACTION  # both read first_final / first_sent as f
BASES: dict[str, Basis] = {
    "received_day": Basis(
        "",
        f"{CASES} c",
        "c.received_at",
        {
            "received": "COUNT(*)",
            "redirected": f"SUM({_status_seen('c.id', Status.REDIRECTED)})",
            "reopened": f"SUM({_status_seen('c.id', Status.REOPENED)})",
            "returned": f"SUM({_status_seen('c.id', Status.IN_WORK, sorted(REWORK_FROM))})",
            "extended": f"SUM(EXISTS (SELECT 1 FROM {CLOCKS} k WHERE k.case_id = c.id"
            " AND k.kind = 'answer' AND k.number = 1 AND k.extended_by > 0))",
            "repeats": f"SUM(EXISTS (SELECT 1 FROM {EVENTS} e WHERE e.case_id = c.id"
            f" AND e.kind = '{Event.Kind.REPEAT}'))",
        },
    ),
    "reacted_day": Basis(
        "first_sent",
        f"first_sent f JOIN {CASES} c ON c.id = f.case_id {_clock('first_reaction')}",
        "f.sent_at",
        {
            "reacted": "COUNT(*)",
            "reaction_seconds": f"SUM({X_REACTION})",
            "reaction_clocked": f"COUNT({_verdict('k.state')})",
            "reaction_in_time": f"SUM({_verdict('k.state')} = 1)",
        },
        "reaction_seconds",
        X_REACTION,
    ),
    "answered_day": Basis(
        "first_final",
        f"first_final f JOIN {CASES} c ON c.id = f.case_id {_clock('answer')}"
        f" LEFT JOIN {CHECKS} ch ON ch.answer_id = f.answer_id",
        "f.sent_at",
        {
            "answered": "COUNT(*)",
            "answer_seconds": f"SUM({X_ANSWER})",
            "answer_clocked": f"COUNT({_verdict('k.state')})",
            "answered_in_time": f"SUM({_verdict('k.state')} = 1)",
            "checked": "COUNT(ch.brush_off)",
            "brush_off": "SUM(ch.brush_off = 1)",
        },
        "answer_seconds",
        X_ANSWER,
    ),
    "finished_day": Basis(
        "",
        f"{CASES} c JOIN {EVENTS} fin ON fin.id = ({_entered_finish('c.id')})",
        "fin.at",
        {
            "finished": "COUNT(*)",
            "finished_without_answer": f"SUM(NOT EXISTS (SELECT 1 FROM {ANSWERS} a"
            f" WHERE a.case_id = c.id AND a.kind = '{Answer.Kind.FINAL}'"
            " AND a.sent_at IS NOT NULL))",
        },
        where=f"c.status IN {_list(FINISHED)}",
    ),
    "rated_day": Basis(
        "latest_rating",
        f"latest_rating r JOIN {CASES} c ON c.id = r.case_id",
        "r.answered_at",
        {
            "rated": "COUNT(*)",
            "rating_sum": "SUM(r.rating)",
            "satisfied": f"SUM(r.rating >= {SATISFIED_FROM})",
            "solved_known": "COUNT(r.solved)",
            "solved": "SUM(r.solved = 1)",
        },
    ),
}
assert {c for b in BASES.values() for c in b.counters} == set(COUNTERS)
# A dimension: the join it needs and its expression (on the case's current values).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "topic": ("", "c.topic_id"),
    "group": (f"LEFT JOIN {TOPICS} t ON t.id = c.topic_id", "t.parent_id"),
    "department": ("", "c.department_id"),
    "block": (f"LEFT JOIN {DEPARTMENTS} d ON d.id = c.department_id", "d.block_id"),
    "territory": ("", "c.territory_id"),
    "channel": ("", "c.channel_id"),
    "regime": ("", "c.regime"),
}


@dataclass
class Query:
    """The cases of a period grouped by up to two dimensions (`DIMENSIONS` or "month"),
    narrowed to some topics; a group's key is the tuple of its values. Each basis is read
    at most once per Query."""

    local: Local
    period: Period
    dimensions: tuple[str, ...] = ()
    topics: tuple[int, ...] = ()
    skip_none: bool = False  # leave out the cases without a value of the dimensions
    # The counters to compute (`needs`); none: all. The count of each basis is always read,
    # so that `groups` knows every row the store has.
    wanted: frozenset[str] = frozenset()
    _sums: dict[str, Sums] = field(default_factory=dict)
    _quantiles: dict[str, dict[Key, tuple[float, float]]] = field(default_factory=dict)

    def _inner(self, basis: Basis, columns: str) -> tuple[str, str, list[Any]]:
        """The WITH clause the basis needs, and SELECT g0, g1 (the group), `columns` FROM the
        basis's cases of the period, with its parameters."""
        joins, groups = [], []
        for name in self.dimensions:
            join, group = DIMENSIONS.get(name, ("", self.local.month(basis.moment)))
            joins.append(join)
            groups.append(group)
        where = [f"c.municipality_id = {self.local.municipality_id}"]
        where += [f"{basis.moment} >= %s", f"{basis.moment} < %s"]
        if basis.where:
            where.append(basis.where)
        if self.topics:
            where.append(f"c.topic_id IN ({', '.join(str(t) for t in self.topics)})")
        if self.skip_none:
            where += [f"{group} IS NOT NULL" for group in groups]
        with_ = f"WITH {_ctes(self.local.municipality_id)[basis.cte]} " if basis.cte else ""
        selected = [f"{g} AS g{i}" for i, g in enumerate(groups or ["0"])]
        sql = (
            f"SELECT {', '.join(selected)}, {columns} FROM {basis.source} {' '.join(joins)}"
            f" WHERE {' AND '.join(where)}"
        )
        return with_, sql, list(self.local.bounds(self.period))

    def _by(self) -> str:
        return ", ".join(f"g{i}" for i in range(max(len(self.dimensions), 1)))

    def sums(self, basis_name: str) -> Sums:
        if basis_name not in self._sums:
            basis = BASES[basis_name]
            names = [
                n
                for i, n in enumerate(basis.counters)
                if not self.wanted or n in self.wanted or i == 0
            ]
            with_, sql, params = self._inner(basis, ", ".join(basis.counters[n] for n in names))
            found: Sums = {}
            width = max(len(self.dimensions), 1)
            for row in rows(f"{with_}{sql} GROUP BY {self._by()}", params):
                counts = {n: int(v or 0) for n, v in zip(names, row[width:], strict=True)}
                found[self._key(row[:width])] = counts
            self._sums[basis_name] = found
        return self._sums[basis_name]

    def quantiles(self, basis_name: str) -> dict[Key, tuple[float, float]]:
        """The median and the 90th percentile of the basis's seconds, per group."""
        if basis_name not in self._quantiles:
            basis = BASES[basis_name]
            with_, inner, params = self._inner(basis, f"{basis.x} AS x")
            sql = with_ + _quantile_sql(self._by(), QUANTILES).format(inner=inner)
            width = max(len(self.dimensions), 1)
            self._quantiles[basis_name] = {
                self._key(row[:width]): (row[width], row[width + 1]) for row in rows(sql, params)
            }
        return self._quantiles[basis_name]

    def groups(self) -> set[Key]:
        """Every group with a case counted on any day of the period: the rows the store has."""
        return {k for name in BASES for k in self.sums(name)}

    def values(self, indicator: Indicator) -> dict[Key, float | None]:
        """The indicator per group, for the groups where its own cases are."""
        spec = SPECS[indicator]
        if spec.kind == Kind.DURATION:
            field_name, q = spec.source
            assert BASES[spec.basis].seconds == field_name
            pick = QUANTILES.index(float(q))  # the SQL reads these two at once
            return {k: v[pick] for k, v in self.quantiles(spec.basis).items()}
        counts: dict[Key, dict[str, int]] = defaultdict(dict)
        for name in {COUNTERS[s] for s in spec.source}:
            for key, sums in self.sums(name).items():
                counts[key] |= sums
        return {k: _value(spec.kind, spec.source, c) for k, c in counts.items()}

    def value(self, indicator: Indicator) -> float | None:
        """The indicator over the whole period (no dimension)."""
        found = self.values(indicator).get(())
        if found is None and SPECS[indicator].kind == Kind.COUNT:
            return 0.0
        return found

    def _key(self, values: Sequence[Any]) -> Key:
        if not self.dimensions:
            return ()
        return tuple(
            date.fromisoformat(v) if name == "month" and v is not None else v
            for name, v in zip(self.dimensions, values, strict=True)
        )


def needs(indicators: Sequence[Indicator]) -> frozenset[str]:
    """The counters the indicators are made of."""
    return frozenset(
        name for i in indicators if SPECS[i].kind != Kind.DURATION for name in SPECS[i].source
    )


def _value(kind: Kind, source: tuple[str, ...], counts: dict[str, int]) -> float | None:
    if kind == Kind.COUNT:
        return float(counts.get(source[0], 0))
    numerator, denominator = (counts.get(s, 0) for s in source)
    return numerator / denominator if denominator else None


def _quantile_sql(by: str, quantiles: Sequence[float]) -> str:
    """Per group (`by`: its columns) of {inner} (a query with those and x): each quantile
    of x by linear interpolation between the nearest ranks."""
    picks, values = [], []
    for k, q in enumerate(quantiles):
        position = f"(n - 1) * {q!r}"
        low = f"CAST({position} AS INTEGER)"
        picks += [
            f"MAX(CASE WHEN i = {low} THEN x END) AS lo{k}",
            f"MAX(CASE WHEN i = MIN({low} + 1, n - 1) THEN x END) AS hi{k}",
            f"MAX({position} - {low}) AS fr{k}",
        ]
        values.append(f"lo{k} + (hi{k} - lo{k}) * fr{k}")
    return f"""SELECT {by}, {", ".join(values)} FROM (
        SELECT {by}, {", ".join(picks)} FROM (
            SELECT {by}, x, ROW_NUMBER() OVER (PARTITION BY {by} ORDER BY x) - 1 AS i,
                   COUNT(*) OVER (PARTITION BY {by}) AS n
            FROM ({{inner}}) WHERE x IS NOT NULL)
        GROUP BY {by})"""


# --- the scenarios' figures ----------------------------------------------------------------------


def overdue_now(local: Local, now: datetime) -> int:
    """Open cases with a clock running past its due time."""
    found = rows(
        f"""SELECT COUNT(*) FROM {CASES} c WHERE c.municipality_id = %s AND EXISTS (
                SELECT 1 FROM {CLOCKS} k WHERE k.case_id = c.id
                AND k.state = '{Clock.State.RUNNING}' AND k.due_at < %s)""",
        [local.municipality_id, stored(now)],
    )
    return int(found[0][0])


def figures(
    local: Local, period: Period, indicators: Sequence[Indicator], now: datetime
) -> dict[str, list[float | None]]:
    """Each indicator for the period and the one before, as `indicators.figures` gives them
    («просрочено сейчас» is a moment: no previous value)."""
    wanted = needs(indicators)
    current = Query(local, period, wanted=wanted)
    earlier = Query(local, period.previous(), wanted=wanted)
    found: dict[str, list[float | None]] = {}
    for indicator in indicators:
        if indicator == Indicator.OVERDUE_NOW:
            found[indicator.value] = [float(overdue_now(local, now)), None]
        else:
            found[indicator.value] = [current.value(indicator), earlier.value(indicator)]
    return found


def heat_map(local: Local, period: Period, resolution: int, now: datetime) -> dict[str, list[int]]:
    """Cases received in the period with a point, by H3 cell (the resolution-9 cell of the
    point, then its parent at `resolution`), and how many were answered late or are overdue
    now. The cell is computed in SQLite by a Python function registered for the query."""
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None

    def cell(lat: float, lon: float) -> str:
        found = h3.latlng_to_cell(lat, lon, H3_RESOLUTION)
        return str(found if resolution == H3_RESOLUTION else h3.cell_to_parent(found, resolution))

    raw.create_function("bench_h3", 2, cell, deterministic=True)
    lo, hi = local.bounds(period)
    answered = (
        f"EXISTS (SELECT 1 FROM {ANSWERS} a WHERE a.case_id = c.id"
        f" AND a.kind = '{Answer.Kind.FINAL}' AND a.sent_at IS NOT NULL)"
    )
    late = (
        f"({answered} AND {_verdict('k.state')} = 0) OR EXISTS (SELECT 1 FROM {CLOCKS} r"
        f" WHERE r.case_id = c.id AND r.state = '{Clock.State.RUNNING}' AND r.due_at < %s)"
    )
    found = rows(
        f"""SELECT bench_h3(c.lat, c.lon), COUNT(*), SUM({late})
            FROM {CASES} c {_clock("answer")}
            WHERE c.municipality_id = %s AND c.received_at >= %s AND c.received_at < %s
              AND c.lat IS NOT NULL AND c.lon IS NOT NULL
            GROUP BY 1""",
        [stored(now), local.municipality_id, lo, hi],
    )
    return {cell: [received, late_count] for cell, received, late_count in found}


def department_counts(local: Local, period: Period, names: Sequence[str]) -> Query:
    """The rating's counters per department (cases with a department), read lazily."""
    query = Query(local, period, ("department",), skip_none=True, wanted=frozenset(names))
    for basis in BASES:
        if any(COUNTERS[n] == basis for n in names):
            query.sums(basis)
    query.quantiles("answered_day")
    return query


def counts_by(query: Query, names: Sequence[str]) -> dict[Key, dict[str, int]]:
    """The named counters per group, 0 where a group had no case of that day."""
    found: dict[Key, dict[str, int]] = {k: dict.fromkeys(names, 0) for k in query.groups()}
    for name in names:
        for key, sums in query.sums(COUNTERS[name]).items():
            found[key][name] = sums[name]
    return found


def names_of(table: str, column: str = "name") -> dict[int, str]:
    pairs: list[tuple[int, str]] = [
        (pk, name) for pk, name in rows(f"SELECT id, {column} FROM {table}")
    ]
    return dict(pairs)
