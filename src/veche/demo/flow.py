"""The year's flow of cases before any text is written: who, when, through what, about what.

Besides the everyday flow there are a few bursts — a boiler failure, a heavy snowfall, a storm,
a water main — when one problem floods in from one place within a day or two and many of the
messages are merged into the first.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from veche.cases.workflow import Regime
from veche.demo import places
from veche.demo.lifecycle import Outcome
from veche.demo.mix import ProblemPicker, is_anonymous, monthly_volume, pick_channel, pick_outcome
from veche.demo.people import AuthorPool, Person
from veche.demo.problems import PROBLEMS, Problem
from veche.demo.structure import Settlement, Structure
from veche.demo.timing import Calendar

FULL_SIZE = 20_000  # burst sizes below are for a demo of this many cases


@dataclass(frozen=True)
class Spec:
    channel: str
    regime: Regime
    received: datetime  # local time
    problem: Problem
    settlement: Settlement
    person: Person | None
    outcome: Outcome
    spot: tuple[str, int] | None = None  # a fixed street and house (a recurring problem)
    speed: float = 1.0  # share of the usual working time (a fast track makes it smaller)


@dataclass(frozen=True)
class Burst:
    problem: str
    month_day: tuple[int, int]
    days: int
    count: int
    unit: str | None  # a territorial unit's key, or None for the whole okrug


BURSTS = (
    Burst("no_heating", (10, 14), 2, 90, "gorod"),
    Burst("road_snow", (1, 23), 3, 140, None),
    Burst("power_outage", (7, 9), 1, 50, "berezovka"),
    Burst("no_water", (5, 19), 2, 40, "sosnovy"),
)
BURST_CHANNELS = {"im": 4, "vk": 3, "pos": 3, "phone": 2, "telegram": 1}


class Flow:
    def __init__(self, structure: Structure, now: datetime, rng: random.Random) -> None:
        self.structure = structure
        self.rng = rng
        self.calendar = Calendar(now, places.TIME_ZONE, monthly_volume())
        self.picker = ProblemPicker()
        self.settlements = structure.settlements
        self.weights = [s.population**0.85 for s in self.settlements]
        self.authors = AuthorPool(rng, self.settlements, self.weights)
        self.problems = {p.key: p for p in PROBLEMS}

    def specs(self, count: int) -> list[Spec]:
        """`count` cases in order of arrival."""
        bursts = [s for burst in BURSTS for s in self._burst(burst, count)][: count // 10]
        regular = [self._spec(index) for index in range(count - len(bursts))]
        return sorted(regular + bursts, key=lambda spec: spec.received)

    def _spec(self, index: int) -> Spec:
        rng = self.rng
        channel, regime = pick_channel(rng, index)
        received = self.calendar.arrival(rng, channel)
        problem = self.picker.pick(rng, regime, received.month)
        person = None if is_anonymous(channel, regime, rng) else self.authors.pick()
        return Spec(
            channel=channel,
            regime=regime,
            received=received,
            problem=problem,
            settlement=self._settlement(person),
            person=person,
            outcome=pick_outcome(rng, regime, problem),
        )

    def _settlement(self, person: Person | None) -> Settlement:
        if person is not None and self.rng.random() < 0.8:
            return person.settlement
        return self.rng.choices(self.settlements, self.weights)[0]

    def _burst(self, burst: Burst, total: int) -> list[Spec]:
        count = round(burst.count * total / FULL_SIZE)
        day = self.calendar.day_of(*burst.month_day)
        if count < 5 or day is None:
            return []
        start = datetime.combine(day, time(7), self.calendar.zone)
        unit_id = self.structure.departments[burst.unit].pk if burst.unit else None
        settlements = [s for s in self.settlements if unit_id in (None, s.unit_department_id)]
        specs = []
        for index in range(count):
            moment = start + timedelta(hours=self.rng.uniform(0, burst.days * 15))
            if moment < self.calendar.now:
                specs.append(self._burst_spec(burst, moment, settlements, first=index < 3))
        return specs

    def _burst_spec(
        self, burst: Burst, moment: datetime, settlements: list[Settlement], *, first: bool
    ) -> Spec:
        rng = self.rng
        channel = rng.choices(list(BURST_CHANNELS), list(BURST_CHANNELS.values()))[0]
        regime = Regime.INCIDENT if channel in ("im", "vk", "telegram") else Regime.MESSAGE
        merged = not first and rng.random() < 0.45
        person = None if is_anonymous(channel, regime, rng) else self.authors.pick(0.1)
        return Spec(
            channel=channel,
            regime=regime,
            received=moment,
            problem=self.problems[burst.problem],
            settlement=rng.choice(settlements),
            person=person,
            outcome=Outcome.MERGE if merged else Outcome.ANSWER,
        )
