"""Addresses and places in a citizen's free Russian text (issue «Triage», item 3).

`extract_places` finds every street address, settlement and landmark with its span and a
confidence; `best_address` picks the one the problem is most likely about. Pure functions over
text: no database; a `veche.triage.gazetteer.Gazetteer` turns a guess into coordinates.
"""

from dataclasses import replace

from veche.triage.address.landmarks import find_landmarks
from veche.triage.address.mention import AddressGuess, PlaceKind, PlaceMention
from veche.triage.address.settlements import find_settlements
from veche.triage.address.streets import LONE_HOUSE, find_streets

__all__ = ["AddressGuess", "PlaceKind", "PlaceMention", "best_address", "best_of", "extract_places"]

_SETTLEMENT_BEFORE = 80  # «д. Минцы, ул. Лесная, д. 5»: characters between them
_SETTLEMENT_AFTER = 40  # «ул. Лесная, д. 5, д. Минцы»


def extract_places(text: str) -> list[PlaceMention]:
    """Every place named in the text, in text order; overlapping readings keep the likeliest."""
    found = [*find_streets(text), *find_settlements(text), *find_landmarks(text)]
    kept: list[PlaceMention] = []
    for mention in sorted(found, key=lambda m: (-m.confidence, m.start - m.end, m.start)):
        if all(mention.end <= k.start or mention.start >= k.end for k in kept):
            kept.append(mention)
    kept.sort(key=lambda m: m.start)
    settlements = [m for m in kept if m.kind == PlaceKind.SETTLEMENT]
    return [_with_settlement(m, settlements) for m in kept]


def _with_settlement(mention: PlaceMention, settlements: list[PlaceMention]) -> PlaceMention:
    if mention.kind == PlaceKind.SETTLEMENT or not settlements:
        return mention
    near = [
        s
        for s in settlements
        if 0 <= mention.start - s.end <= _SETTLEMENT_BEFORE
        or 0 <= s.start - mention.end <= _SETTLEMENT_AFTER
    ]
    if not near:
        return mention
    nearest = min(near, key=lambda s: min(abs(mention.start - s.end), abs(s.start - mention.end)))
    confidence = 0.6 if mention.confidence == LONE_HOUSE else mention.confidence
    return replace(mention, settlement=nearest.settlement, confidence=confidence)


def best_address(text: str) -> AddressGuess | None:
    """The likeliest place of the problem: a street address (with a house first), else a
    landmark, else a settlement; the settlement of the text is added when the place has none."""
    return best_of(extract_places(text))


def best_of(mentions: list[PlaceMention]) -> AddressGuess | None:
    """`best_address` over mentions already extracted."""
    if not mentions:
        return None
    by_kind = {kind: [m for m in mentions if m.kind == kind] for kind in PlaceKind}
    for kind in (PlaceKind.STREET_ADDRESS, PlaceKind.LANDMARK, PlaceKind.SETTLEMENT):
        if by_kind[kind]:
            best = max(by_kind[kind], key=lambda m: (m.confidence + 0.05 * bool(m.house), -m.start))
            break
    settlement = best.settlement or next((m.settlement for m in by_kind[PlaceKind.SETTLEMENT]), "")
    return AddressGuess(
        start=best.start,
        end=best.end,
        confidence=best.confidence,
        street=best.street,
        street_type=best.street_type,
        house=best.house,
        building=best.building,
        structure=best.structure,
        letter=best.letter,
        settlement=settlement,
        landmark=best.landmark,
    )
