"""The rows recurring-problem detection reads (recurring.py): one tuple per case from a
single `values_list` query, with its local week and month, its citizen and its place key.

A place key is the most precise place known, in this order: a house or landmark of the
gazetteer («place»), a street and house read from the text («addr»), the H3 cell of the
citizen's own point («cell»), a street («street»). A case with only a point joins the address
that most cases of its topic in the same cell have, so a geotagged post and a letter with
the address count as one place.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import h3

from veche.catalog.models import Channel

PlaceKey = tuple[str, ...]
PRECISE_LEVELS = frozenset({"house", "landmark"})
JOIN_DAYS = 30
NEAR_RINGS = 2  # H3 cells of resolution 9 (~170 m a side): a point this near its street's house
FIELDS = (
    "pk",
    "received_at",
    "author_id",
    "channel_id",
    "topic_id",
    "analysis__topic_id",
    "territory_id",
    "analysis__place_territory_id",
    "lat",
    "lon",
    "analysis__place_lat",
    "analysis__place_lon",
    "analysis__place_name",
    "analysis__place_level",
    "analysis__settlement",
    "analysis__street",
    "analysis__house",
)
_STREET_TYPES = {
    "ул": "", "улица": "", "пр": "пр-т", "пр-т": "пр-т", "просп": "пр-т", "проспект": "пр-т",
    "пер": "пер", "переулок": "пер", "б-р": "б-р", "бульв": "б-р", "бульвар": "б-р",
    "ш": "ш", "шоссе": "ш", "пл": "пл", "площадь": "пл", "наб": "наб", "набережная": "наб",
    "пр-д": "пр-д", "проезд": "пр-д", "мкр": "мкр", "микрорайон": "мкр", "тракт": "тракт",
    "туп": "туп", "тупик": "туп", "аллея": "аллея", "линия": "линия",
}  # fmt: skip
_STREET_WORDS = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _STREET_TYPES), key=len, reverse=True)) + r")\b\.?"
)
_SETTLEMENT_WORDS = re.compile(
    r"\b(?:г|город|с|село|д|дер|деревня|п|пос|посёлок|поселок|пгт|рп|ст|станица|х|хутор)\b\.?"
)
_HOUSE_WORDS = re.compile(r"\b(?:д|дом)\b\.?")
_TOKEN = re.compile(r"[0-9a-zа-я]+")


@dataclass(frozen=True)
class Thresholds:
    """What a candidate must show; the defaults are the ones bench/recurring.py measures."""

    period_days: int = 730
    min_citizens: int = 3
    min_weeks: int = 3
    min_span_days: int = 21
    false_discovery: float = 0.05
    seasonal_min_share: float = 0.6
    seasonal_min_cases: int = 3
    seasonal_min_citizens: int = 2
    phrase_min_channels: int = 2
    phrase_min_weeks: int = 2
    phrase_max_share: float = 0.003
    phrase_max_floor: int = 30
    phrase_min_lift: float = 10.0
    phrase_window: int = 4
    merge_overlap: float = 0.5
    merge_inside: float = 0.8
    recent_days: int = 90
    h3_resolution: int = 9
    excerpts: int = 3


@dataclass(slots=True)
class Row:
    pk: int
    received_at: datetime
    day: int  # the local date's ordinal
    month: int  # local year × 12 + month − 1
    citizen: int  # the author's id; an anonymous case is a citizen of its own (−pk)
    channel_id: int
    topic_id: int | None
    territory_id: int | None
    place: PlaceKey | None
    label: str  # the place as read, for titles
    cell: str | None  # the H3 cell of a point, when there is one
    problem_id: int | None  # an unnamed problem holding the case
    street: str = ""  # the street read from the text (settlement and street keys), or ""

    @property
    def week(self) -> int:
        return (self.day - 1) // 7  # ordinal 1 is a Monday: weeks start on Mondays


@dataclass
class Group:
    """Cases (indexes into `Loaded.rows`) one detector says belong together."""

    kinds: set[str]
    members: set[int]
    place: PlaceKey | None = None
    phrase_tokens: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    season: tuple[int, ...] = ()
    parts: list["Group"] = field(default_factory=list)


@dataclass
class Loaded:
    tz: ZoneInfo
    h3_resolution: int
    since: datetime
    now: datetime
    rows: list[Row] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)
    channel_names: dict[int, str] = field(default_factory=dict)

    def add(self, values: Sequence[Any], *, lemmas: str, problem_id: int | None) -> None:
        (pk, received_at, author_id, channel_id, topic_id, analysis_topic_id, territory_id,
         place_territory_id, lat, lon, place_lat, place_lon, place_name, place_level,
         settlement, street, house) = values  # fmt: skip
        local = received_at.astimezone(self.tz)
        own_point = lat is not None and lon is not None
        precise = (place_level or "") in PRECISE_LEVELS and place_lat is not None
        point = (lat, lon) if own_point else (place_lat, place_lon) if precise else None
        cell = h3.latlng_to_cell(point[0], point[1], self.h3_resolution) if point else None
        place, label = place_key(
            place_name or "", place_level or "", settlement or "", street or "", house or "",
            cell if own_point else None,
        )  # fmt: skip
        self.rows.append(
            Row(
                pk=pk,
                received_at=received_at,
                day=local.toordinal(),
                month=local.year * 12 + local.month - 1,
                citizen=author_id if author_id is not None else -pk,
                channel_id=channel_id,
                topic_id=topic_id or analysis_topic_id,
                territory_id=territory_id or place_territory_id,
                place=place,
                label=label,
                cell=cell,
                problem_id=problem_id,
                street=street_of(settlement or "", street or ""),
            )
        )
        self.lemmas.append(lemmas)

    def finish(self) -> None:
        """A case with only a point (and maybe a street) joins an address of its topic that
        has two or more cases, one of them within `JOIN_DAYS` of it (a point near a house
        that had a burst of complaints a year ago is not that burst): the address most of the
        cell's addressed cases of the topic have, else the one on its street nearest to it
        (within `NEAR_RINGS` cells). A cell holds several houses, so one case is not enough."""
        by_cell: dict[tuple[int, str], dict[PlaceKey, list[int]]] = defaultdict(dict)
        by_street: dict[tuple[int, str], dict[PlaceKey, _Seen]] = defaultdict(dict)
        for row in self.rows:
            if not (row.topic_id and row.place and row.place[0] in {"place", "addr"}):
                continue
            if row.cell:
                by_cell[(row.topic_id, row.cell)].setdefault(row.place, []).append(row.day)
            if row.street:
                seen = by_street[(row.topic_id, row.street)].setdefault(row.place, _Seen())
                seen.days.append(row.day)
                if row.cell:
                    seen.cells.add(row.cell)
        for row in self.rows:
            if row.topic_id and row.place and row.place[0] == "cell":
                row.place = _in_cell(row, by_cell.get((row.topic_id, row.place[1]))) or (
                    _on_street(row, by_street.get((row.topic_id, row.street))) or row.place
                )
        self.channel_names = dict(Channel.objects.values_list("pk", "name"))

    def month_label(self, month: int) -> str:
        return f"{month // 12}-{month % 12 + 1:02d}"

    def month_histogram(self, rows: Sequence[Row]) -> tuple[tuple[str, int], ...]:
        first = _month(self.since.astimezone(self.tz))
        last = _month(self.now.astimezone(self.tz))
        counted = Counter(r.month for r in rows)
        return tuple((self.month_label(m), counted[m]) for m in range(first, last + 1))

    def place_label(self, key: PlaceKey, members: set[int]) -> str:
        """The place as most of its cases read it; a cell by a place of its cases or its
        centre."""
        labels = Counter(self.rows[i].label for i in members if self.rows[i].label)
        if labels:
            return labels.most_common(1)[0][0]
        if key[0] == "cell":
            lat, lon = h3.cell_to_latlng(key[1])
            return f"около точки {lat:.4f}, {lon:.4f}"
        return ""


def merge_groups(groups: Sequence[Group], th: Thresholds, *, inside: bool = True) -> list[Group]:
    """Union of the groups that are mostly the same cases: sharing at least `merge_overlap` of
    the cases of both together (Jaccard), or (with `inside`) the smaller one `merge_inside` in
    the other. A common phrase that some of a recurring place's cases carry, among many
    others, does not swallow the place. Each union keeps its groups in `parts`."""
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    holders: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        for member in group.members:
            holders[member].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for indexes in holders.values():
        for position, a in enumerate(indexes):
            for b in indexes[position + 1 :]:
                shared[(a, b)] += 1
    for (a, b), count in shared.items():
        small, large = sorted((len(groups[a].members), len(groups[b].members)))
        if count >= th.merge_overlap * (small + large - count) or (
            inside and count >= th.merge_inside * small
        ):
            parent[root(a)] = root(b)
    merged: dict[int, Group] = {}
    for index, group in enumerate(groups):
        target = merged.setdefault(root(index), Group(kinds=set(), members=set()))
        target.kinds |= group.kinds
        target.members |= group.members
        target.parts.append(group)
    return list(merged.values())


@dataclass
class _Seen:
    days: list[int] = field(default_factory=list)
    cells: set[str] = field(default_factory=set)


def _in_cell(row: Row, found: dict[PlaceKey, list[int]] | None) -> PlaceKey | None:
    if not found:
        return None
    key, days = max(found.items(), key=lambda item: len(item[1]))
    total = sum(len(d) for d in found.values())
    if len(days) >= 2 and 2 * len(days) > total and _near_in_time(row, days):
        return key
    return None


def _on_street(row: Row, found: dict[PlaceKey, _Seen] | None) -> PlaceKey | None:
    if not found or row.cell is None:
        return None
    near = [
        (min(_rings(row.cell, cell) for cell in seen.cells), -len(seen.days), key)
        for key, seen in found.items()
        if len(seen.days) >= 2 and seen.cells and _near_in_time(row, seen.days)
    ]
    best = min(near, default=None)
    return best[2] if best is not None and best[0] <= NEAR_RINGS else None


def _near_in_time(row: Row, days: Sequence[int]) -> bool:
    return any(abs(day - row.day) <= JOIN_DAYS for day in days)


def _rings(a: str, b: str) -> int:
    try:
        return int(h3.grid_distance(a, b))
    except h3.H3BaseException:  # far apart, or across a pentagon
        return NEAR_RINGS + 1


def street_of(settlement: str, street: str) -> str:
    """The street of a case as one key (settlement and street), or "" without one."""
    key = norm_street(street) if street else ""
    return f"{norm_settlement(settlement)}|{key}" if key else ""


def _month(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def place_key(
    name: str, level: str, settlement: str, street: str, house: str, own_cell: str | None
) -> tuple[PlaceKey | None, str]:
    """The case's place key and its label as read (see the module)."""
    if name and level in PRECISE_LEVELS:
        return ("place", _norm(name)), name
    if (
        street
        and house
        and (street_key := norm_street(street))
        and (house_key := norm_house(house))
    ):
        label = f"{street}, д. {house}"
        return ("addr", norm_settlement(settlement), street_key, house_key), label
    if own_cell:
        return ("cell", own_cell), ""
    if street and (street_key := norm_street(street)):
        return ("street", norm_settlement(settlement), street_key), street
    if name and level == "street":
        return ("street", "", norm_street(name)), name
    return None, ""


@lru_cache(maxsize=100_000)
def _norm(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower().replace("ё", "е")))


@lru_cache(maxsize=100_000)
def norm_street(street: str) -> str:
    """«ул. Ленина», «Ленина улица», «улица  ЛЕНИНА», «Ленина» → «ленина»; a street of another
    kind keeps it: «б-р Гагарина» → «гагарина б-р», not the «ул. Гагарина» of the same town."""
    text = street.lower().replace("ё", "е")
    kinds = {_STREET_TYPES[m.group(1)] for m in _STREET_WORDS.finditer(text)} - {""}
    name = " ".join(_TOKEN.findall(_STREET_WORDS.sub(" ", text)))
    return " ".join([name, *sorted(kinds)]) if name else ""


@lru_cache(maxsize=100_000)
def norm_house(house: str) -> str:
    """«д. 5А», «5 а», «дом 5а» → «5а»; «12/2» stays «12/2»."""
    cleaned = _HOUSE_WORDS.sub(" ", house.lower().replace("ё", "е"))
    return "".join(re.findall(r"[0-9a-zа-я/]+", cleaned))


@lru_cache(maxsize=100_000)
def norm_settlement(settlement: str) -> str:
    return " ".join(
        _TOKEN.findall(_SETTLEMENT_WORDS.sub(" ", settlement.lower().replace("ё", "е")))
    )
