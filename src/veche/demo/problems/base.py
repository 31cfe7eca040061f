"""What a demo problem is: a rubricator topic, who answers it, when it happens, and the words.

Texts are templates written for the demo. Slots: a statement may use `{dur}` (how long it has
been going on); answers use `{date}` (a day just past), `{until}` (a promised day) and
`{year}` (the season the work is planned for). A statement that starts with a season tag
(«зима: …») is written only in that season's months.
"""

from dataclasses import dataclass

from veche.cases.workflow import Regime

Season = tuple[float, float, float, float, float, float, float, float, float, float, float, float]

# Monthly weights, January first: learnt from the shape of a city portal's seasons.
FLAT: Season = (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
SNOW: Season = (3.2, 3.0, 2.0, 0.4, 0, 0, 0, 0, 0, 0.2, 1.4, 2.8)
ICICLES: Season = (2.5, 3.0, 2.2, 0.5, 0, 0, 0, 0, 0, 0, 0.6, 1.6)
PITS: Season = (0.5, 0.5, 1.6, 3.0, 2.6, 1.4, 0.9, 0.8, 0.8, 0.9, 0.8, 0.5)
GREEN: Season = (0, 0, 0.1, 0.6, 1.8, 3.0, 3.0, 2.4, 1.0, 0.2, 0, 0)
INSECTS: Season = (0, 0, 0, 0.6, 2.5, 3.5, 2.8, 1.2, 0.2, 0, 0, 0)
HEATING: Season = (1.6, 1.2, 0.7, 0.4, 0.1, 0, 0, 0.1, 2.0, 3.2, 2.2, 1.7)
HOT_WATER: Season = (0.7, 0.7, 0.7, 0.8, 1.6, 2.6, 2.2, 1.2, 0.8, 0.7, 0.7, 0.7)
RAIN: Season = (0.1, 0.1, 0.8, 2.5, 1.8, 1.2, 1.5, 1.4, 1.0, 0.8, 0.4, 0.1)
LEAVES: Season = (0.3, 0.3, 0.6, 1.4, 0.9, 0.6, 0.6, 0.7, 1.2, 2.2, 1.6, 0.4)
SCHOOL_YEAR: Season = (1, 1, 1, 1, 1.3, 0.8, 0.6, 1.8, 2.2, 1.1, 1, 1)
SUMMER: Season = (0.3, 0.3, 0.5, 0.8, 1.4, 2.0, 2.2, 1.8, 1.0, 0.6, 0.4, 0.3)
DARK: Season = (1.6, 1.3, 1.0, 0.6, 0.3, 0.2, 0.2, 0.4, 0.9, 1.5, 1.9, 1.9)


@dataclass(frozen=True)
class Problem:
    key: str
    topic: tuple[str, str]  # (group, topic) in the seeded rubricator
    department: str  # orgchart key of who answers in the town
    where: str  # yard | house | street | settlement | none | object:<kind>
    statements: tuple[str, ...]  # continue a location phrase, or stand alone capitalised
    done: tuple[str, ...]  # what was done, for final answers
    plans: tuple[str, ...] = ()  # what will be done, for interim answers and promises
    subject: str = ""  # «О …»: the subject line of letters and e-mails
    weight: float = 1.0
    season: Season = FLAT
    local: bool = False  # outside the town the territorial department answers
    acute: bool = False  # an outage or a hazard: measured in hours and days, not months
    formal: float = 1.0  # how much likelier as a formal 59-ФЗ appeal than as a post
    redirect: str | None = None  # a REDIRECT_BODIES key when it is often not ours
    regimes: tuple[Regime, ...] = ()  # empty: any regime but info_request
    prefixes: tuple[str, ...] = ()  # for object:<kind>, how the text names the place: «У {obj}»


SEASON_TAGS: dict[str, frozenset[int]] = {
    "зима": frozenset({11, 12, 1, 2, 3}),
    "холод": frozenset({10, 11, 12, 1, 2, 3, 4}),
    "тепло": frozenset(range(4, 11)),
    "весна": frozenset({3, 4, 5, 6}),
    "лето": frozenset(range(5, 10)),
    "осень": frozenset({9, 10, 11}),
}


def statements_for(problem: Problem, month: int) -> tuple[str, ...]:
    """The problem's statements that fit the month, season tags removed."""
    fitting = []
    for statement in problem.statements:
        tag, sep, rest = statement.partition(": ")
        if not sep or tag not in SEASON_TAGS:
            fitting.append(statement)
        elif month in SEASON_TAGS[tag]:
            fitting.append(rest)
    return tuple(fitting) or tuple(s.partition(": ")[2] or s for s in problem.statements)
