"""The demo's recurring problems: a few places that citizens write about month after month,
planted in the flow so that the problems pages have something real to find, name and fix.

Each story is a problem at one address with its own monthly counts. Two of them get a fast-track
mechanism part-way through the year (their later cases are answered much faster), one gets a
road map whose repairs cut the messages down, one floods every spring. `demo.problem_work`
names them and builds the mechanisms, the road map and the meetings once the cases exist.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time

from veche.cases.workflow import Regime
from veche.demo.flow import Flow, Spec
from veche.demo.lifecycle import Outcome
from veche.demo.mix import is_anonymous, regime_for
from veche.demo.people import AuthorPool
from veche.demo.problems import Problem
from veche.demo.structure import Settlement
from veche.demo.timing import Calendar

# The channels residents use for a recurring local trouble: portals and social networks.
FULL_STORIES = 4_000  # from this demo size on, the stories come in full
STORY_CHANNELS = {"pos": 5, "im": 3, "vk": 2, "telegram": 1, "phone": 1, "web_form": 1}


@dataclass(frozen=True)
class Story:
    key: str
    problem: str  # the flow's problem key (`demo.problems`)
    street: str  # in the town
    house: int
    # Cases per calendar month, from eleven months ago to the current month.
    monthly: tuple[int, ...]
    # From this month index on (0 — eleven months ago) a mechanism or repairs changed things.
    turn: int | None = None
    speed: float = 1.0  # how much of the usual time the cases take after the turn


STORIES = (
    # Potholes on one stretch of ул. Ленина until the road map's repairs in the summer.
    Story("pits", "road_pits", "ул. Ленина", 20, (9, 11, 10, 12, 14, 13, 4, 2, 2, 1, 2, 1), turn=6),
    # One container site the operator keeps missing: a fast track to the operator's desk.
    Story("garbage", "garbage", "ул. Мира", 14, (6, 8, 7, 9, 8, 7, 8, 7, 9, 8, 7, 5), 5, 0.2),
    # Street lights on ул. Школьная: a fast track to the lighting contractor.
    Story("lights", "road_lights", "ул. Школьная", 7, (5, 6, 7, 5, 4, 3, 4, 5, 6, 7, 6, 4), 7, 0.3),
    # A yard that floods with every spring thaw and autumn rain: named, not yet fixed.
    Story("flooding", "flooding", "ул. Садовая", 5, (0, 0, 0, 4, 9, 6, 1, 0, 2, 5, 1, 0)),
)


class StoryFlow:
    """The story cases, as flow specs, for the year the flow's calendar spans."""

    def __init__(self, flow: Flow) -> None:
        self.calendar: Calendar = flow.calendar
        self.town: Settlement = next(s for s in flow.settlements if s.is_town)
        self.authors: AuthorPool = flow.authors
        self.problems: dict[str, Problem] = flow.problems
        self.rng: random.Random = flow.rng

    def specs(self, total: int, stories: tuple[Story, ...] = STORIES) -> list[Spec]:
        """The stories' cases for a demo of `total` cases: in full from FULL_STORIES cases up,
        scaled down below that (a fraction of a case is a chance of one)."""
        scale = min(1.0, total / FULL_STORIES)
        months = _months(self.calendar)
        specs: list[Spec] = []
        for story in stories:
            for index, count in enumerate(story.monthly):
                days = months[index - len(story.monthly)]
                expected = count * scale
                n = int(expected) + (self.rng.random() < expected - int(expected))
                after = story.turn is not None and index >= story.turn
                speed = story.speed if after else 1.0
                specs.extend(self._spec(story, days, speed=speed) for _ in range(n))
        return specs

    def _spec(self, story: Story, days: list[date], *, speed: float) -> Spec:
        rng = self.rng
        channel = rng.choices(list(STORY_CHANNELS), list(STORY_CHANNELS.values()))[0]
        regime = regime_for(channel, rng)
        if regime == Regime.INFO_REQUEST:
            regime = Regime.MESSAGE
        moment = datetime.combine(rng.choice(days), time(rng.randint(7, 22)), self.calendar.zone)
        moment = min(moment, self.calendar.now.replace(microsecond=0))
        person = None if is_anonymous(channel, regime, rng) else self.authors.pick(0.2)
        return Spec(
            channel=channel,
            regime=regime,
            received=moment,
            problem=self.problems[story.problem],
            settlement=self.town,
            person=person,
            outcome=Outcome.ANSWER,
            spot=(story.street, story.house),
            speed=speed,
        )


def _months(calendar: Calendar) -> list[list[date]]:
    """The calendar's days grouped by month, oldest month first (a partial first month too)."""
    groups: dict[tuple[int, int], list[date]] = {}
    for day in sorted(calendar.days):
        groups.setdefault((day.year, day.month), []).append(day)
    return list(groups.values())
