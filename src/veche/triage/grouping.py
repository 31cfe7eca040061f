"""Repeats among a municipality's cases (issue «Triage», item 7): the same text (a copy-paste
campaign, a message sent twice), the same place and topic within days, the same author on the
same topic again (повторное обращение). Each repeat joins the earlier case's problem.

Works on the stored analyses (`CaseAnalysis`: topic, place, text fingerprint) of the cases
received around the batch, so a batch finds its repeats among earlier imports as well as
among its own cases, without reading any text again.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from veche.cases.models import Case, CaseAnalysis
from veche.problems.models import ProblemCase
from veche.problems.services import Repeat
from veche.triage.address.names import house_key, settlement_key, street_key
from veche.triage.duplicates import DuplicateIndex, normalise, signature

TEXT_WINDOW = timedelta(days=30)
PLACE_WINDOW = timedelta(days=14)
AUTHOR_WINDOW = timedelta(days=60)
# Shorter texts («Нет света», «Спасибо») repeat by chance, not by copying.
MIN_TEXT = 60
PRECISE_PLACES = frozenset({"house", "landmark"})


def fingerprint(text: str) -> bytes:
    """The stored MinHash signature of a text long enough to be copied; b"" otherwise."""
    if len(normalise(text)) < MIN_TEXT:
        return b""
    return signature(text).tobytes()


@dataclass(frozen=True)
class _Seen:
    case_id: int
    received_at: datetime
    author_id: int | None
    topic_id: int | None
    place: tuple[str, ...] | None
    fingerprint: bytes


def find_repeats(cases: Sequence[Case]) -> list[Repeat]:
    """The repeats among these (analysed) cases: each with the earliest case it repeats."""
    if not cases:
        return []
    batch = {c.pk for c in cases}
    found: dict[int, tuple[int, ProblemCase.Reason]] = {}
    by_municipality: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        by_municipality[case.municipality_id].append(case)
    for municipality_id, group in by_municipality.items():
        window = max(TEXT_WINDOW, PLACE_WINDOW, AUTHOR_WINDOW)
        lo = min(c.received_at for c in group) - window
        hi = max(c.received_at for c in group) + window
        seen = _seen(municipality_id, lo, hi)
        for finder in (_same_text, _same_place, _same_author):
            for case_id, earlier_id, reason in finder(seen, batch):
                found.setdefault(case_id, (earlier_id, reason))
    involved = set(found) | {earlier for earlier, _ in found.values()}
    loaded = Case.objects.select_related("analysis", "analysis__topic", "topic").in_bulk(involved)
    return [
        Repeat(case=loaded[case_id], earlier=loaded[earlier_id], reason=reason)
        for case_id, (earlier_id, reason) in sorted(
            found.items(), key=lambda item: loaded[item[0]].received_at
        )
    ]


def _seen(municipality_id: int, lo: datetime, hi: datetime) -> list[_Seen]:
    rows = (
        CaseAnalysis.objects.filter(
            case__municipality_id=municipality_id, case__received_at__range=(lo, hi)
        )
        .order_by("case__received_at", "case_id")
        .values_list(
            "case_id",
            "case__received_at",
            "case__author_id",
            "case__topic_id",
            "topic_id",
            "place_name",
            "place_level",
            "settlement",
            "street",
            "house",
            "fingerprint",
        )
    )
    return [
        _Seen(
            case_id=row[0],
            received_at=row[1],
            author_id=row[2],
            topic_id=row[3] or row[4],
            place=_place_key(*row[5:10]),
            fingerprint=bytes(row[10] or b""),
        )
        for row in rows
    ]


def _place_key(
    name: str, level: str, settlement: str, street: str, house: str
) -> tuple[str, ...] | None:
    """A place precise enough to say two messages are about one thing: a house or a landmark
    of the gazetteer, else a street and house number read from the text."""
    if name and level in PRECISE_PLACES:
        return ("gazetteer", name)
    if street and house:
        return ("text", settlement_key(settlement), street_key(street), house_key(house))
    return None


Found = Iterable[tuple[int, int, ProblemCase.Reason]]


def _same_text(seen: Sequence[_Seen], batch: set[int]) -> Found:
    index = DuplicateIndex()
    owners: list[_Seen] = []
    for item in seen:
        if item.fingerprint:
            index.add_signature(np.frombuffer(item.fingerprint, dtype=np.uint32))
            owners.append(item)
    for position, item in enumerate(owners):
        if item.case_id not in batch:
            continue
        first = owners[index.group(position)]
        if first.case_id != item.case_id and abs(item.received_at - first.received_at) <= (
            TEXT_WINDOW
        ):
            yield item.case_id, first.case_id, ProblemCase.Reason.SAME_TEXT


def _same_place(seen: Sequence[_Seen], batch: set[int]) -> Found:
    return _first_with_same_key(
        seen,
        batch,
        lambda s: (s.topic_id, s.place) if s.topic_id and s.place else None,
        PLACE_WINDOW,
        ProblemCase.Reason.SAME_PLACE,
    )


def _same_author(seen: Sequence[_Seen], batch: set[int]) -> Found:
    return _first_with_same_key(
        seen,
        batch,
        lambda s: (s.author_id, s.topic_id) if s.author_id and s.topic_id else None,
        AUTHOR_WINDOW,
        ProblemCase.Reason.SAME_AUTHOR,
    )


def _first_with_same_key(
    seen: Sequence[_Seen],
    batch: set[int],
    key: Callable[[_Seen], object],
    window: timedelta,
    reason: ProblemCase.Reason,
) -> Found:
    """Each batch case with the earliest case of the same key no more than `window` apart
    (`seen` is in time order)."""
    groups: dict[object, list[_Seen]] = defaultdict(list)
    for item in seen:
        k = key(item)
        if k is not None:
            groups[k].append(item)
    for members in groups.values():
        for item in members:
            if item.case_id not in batch:
                continue
            first = next(
                (
                    other
                    for other in members
                    if other.case_id != item.case_id
                    and abs(item.received_at - other.received_at) <= window
                ),
                None,
            )
            if first is None:
                continue
            # The later of two batch cases joins the earlier; a case analysed before this
            # batch is joined whichever came first, as its own analysis did not see this one.
            earlier = (first.received_at, first.case_id) < (item.received_at, item.case_id)
            if earlier or first.case_id not in batch:
                yield item.case_id, first.case_id, reason
