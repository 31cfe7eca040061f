"""Which deadline policy a case's clock runs under: the most specific row in force when the
case was received (`DeadlinePolicy`). The rows are few; they are read once per operation
and matched in memory, so a batch of imported cases costs one query, not one per case."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from veche.deadlines.clocks import Anchor, ClockKind
from veche.deadlines.models import DeadlinePolicy


@dataclass(frozen=True)
class CaseKey:
    """What a policy is chosen by."""

    municipality_id: int
    regime: str
    channel_id: int
    topic_id: int | None = None
    topic_group_id: int | None = None  # the topic's parent in the rubricator


class PolicyBook:
    """The policy rows of some regimes, to pick from in memory."""

    def __init__(self, rows: Iterable[DeadlinePolicy]):
        self._rows: dict[tuple[str, str], list[DeadlinePolicy]] = defaultdict(list)
        for row in rows:
            self._rows[row.regime, row.kind].append(row)

    @classmethod
    def load(cls, regimes: Iterable[str]) -> "PolicyBook":
        return cls(DeadlinePolicy.objects.filter(regime__in=set(regimes)))

    def pick(self, key: CaseKey, kind: ClockKind, at: datetime) -> DeadlinePolicy | None:
        """The row for one clock: topic over its group over any topic, then channel, then
        the municipality's over the installation's; of equals, the latest in force at `at`."""
        best: DeadlinePolicy | None = None
        best_rank: tuple[int, int, int, datetime] | None = None
        for row in self._rows.get((key.regime, kind.value), ()):
            rank = _rank(row, key, at)
            if rank is not None and (best_rank is None or rank > best_rank):
                best, best_rank = row, rank
        return best

    def counted_from(self, key: CaseKey, anchor: Anchor, at: datetime) -> list[DeadlinePolicy]:
        """The clocks that start when `anchor` happens, one row per kind."""
        picked = (self.pick(key, kind, at) for kind in ClockKind)
        return [row for row in picked if row is not None and row.counted_from == anchor]


def _rank(row: DeadlinePolicy, key: CaseKey, at: datetime) -> tuple[int, int, int, datetime] | None:
    if row.valid_from > at:
        return None
    if row.municipality_id not in (None, key.municipality_id):
        return None
    if row.channel_id not in (None, key.channel_id):
        return None
    if row.topic_id is None:
        topic = 0
    elif row.topic_id == key.topic_id:
        topic = 2
    elif row.topic_id == key.topic_group_id:
        topic = 1
    else:
        return None
    return (topic, row.channel_id is not None, row.municipality_id is not None, row.valid_from)
