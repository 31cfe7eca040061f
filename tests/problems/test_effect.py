"""The effect of a road map, checked on fixed datasets whose answer is known: 20 messages a
month before and 4 after is −80 %; when the same months a year earlier fell by half too, the
season takes its share and the adjusted effect is −60 %; with no year before, the rest of the
municipality's flow is the control."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.personas import NOW, World
from veche.cases.models import Case
from veche.cases.services import CaseDraft, CitizenData, record_cases
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.org.models import Territory
from veche.problems.effect import (
    Adjustment,
    Phase,
    Verdict,
    compare,
    measure,
    needed_months,
    roadmap_effect,
    scope_cases,
    shift,
    windows,
)
from veche.problems.models import Roadmap
from veche.problems.services import create_problem


def _flat(months: list[date], n: int) -> dict[date, int]:
    return dict.fromkeys(months, n)


BEFORE = [date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)]
AFTER = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
START, UNTIL = date(2026, 8, 1), date(2026, 11, 23)


# --- the windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started_on", "until", "before", "after"),
    [
        # Three whole months since the first of August, three before.
        (date(2026, 8, 1), date(2026, 11, 23), ("2026-05", "2026-07"), ("2026-08", "2026-10")),
        # Started on the 10th: August is cut and belongs to neither side.
        (date(2026, 8, 10), date(2026, 11, 23), ("2026-06", "2026-07"), ("2026-09", "2026-10")),
        # Measured on the first of a month: the month just ended counts.
        (date(2026, 8, 1), date(2026, 11, 1), ("2026-05", "2026-07"), ("2026-08", "2026-10")),
        # Two and a half years on: the latest twelve months against the twelve before the start.
        (date(2024, 1, 1), date(2026, 6, 5), ("2023-01", "2023-12"), ("2025-06", "2026-05")),
        # Not a whole month yet, or not started: nothing to compare.
        (date(2026, 11, 2), date(2026, 11, 23), None, None),
        (date(2027, 1, 1), date(2026, 11, 23), None, None),
    ],
)
def test_the_windows_are_whole_months_of_equal_length(
    started_on: date, until: date, before: Any, after: Any
) -> None:
    found = windows(started_on, until)

    def ends(months: tuple[date, ...]) -> Any:
        return (f"{months[0]:%Y-%m}", f"{months[-1]:%Y-%m}") if months else None

    assert (ends(found.before), ends(found.after)) == (before, after)
    assert len(found.before) == len(found.after) <= 12


def test_only_the_months_compared_are_read() -> None:
    scope, flow = needed_months(START, UNTIL)

    year_before = {shift(m, -12) for m in BEFORE + AFTER}
    assert flow == set(BEFORE + AFTER) | year_before
    assert scope == flow  # the chart shows the same six months
    # Three years on: the first year of work is neither compared nor read for the flow.
    scope, flow = needed_months(date(2023, 8, 1), date(2026, 11, 23))
    assert date(2024, 3, 1) not in flow and len(flow) == 48
    assert date(2022, 9, 1) in flow and date(2025, 10, 1) in flow


def test_shift_crosses_years() -> None:
    assert shift(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert shift(date(2026, 11, 1), 14) == date(2028, 1, 1)


# --- the comparison -------------------------------------------------------------------------------


def test_twenty_a_month_then_four_is_minus_eighty_per_cent_without_anything_to_adjust_by() -> None:
    scope = _flat(BEFORE, 20) | _flat(AFTER, 4)

    found = compare(scope, {}, started_on=START, until=UNTIL)

    assert (found.before, found.after) == (60, 12)
    assert found.raw_change == pytest.approx(-0.8)
    assert found.adjustment == Adjustment.NONE
    assert found.adjusted_change is None
    assert found.change == pytest.approx(-0.8)


def test_a_season_that_fell_by_half_a_year_earlier_leaves_minus_sixty() -> None:
    year_before = _flat([shift(m, -12) for m in BEFORE], 20) | _flat(
        [shift(m, -12) for m in AFTER], 10
    )
    scope = year_before | _flat(BEFORE, 20) | _flat(AFTER, 4)

    found = compare(scope, {}, started_on=START, until=UNTIL)

    assert found.raw_change == pytest.approx(-0.8)
    assert found.adjustment == Adjustment.YEAR_BEFORE
    assert (found.baseline_before, found.baseline_after) == (60, 30)
    assert found.baseline_change == pytest.approx(-0.5)
    assert found.adjusted_change == pytest.approx(-0.6)  # (12/60) / (30/60) − 1
    assert found.change == pytest.approx(-0.6)


def test_without_a_year_before_the_rest_of_the_municipality_is_the_control() -> None:
    scope = _flat(BEFORE, 20) | _flat(AFTER, 4)
    rest = _flat(BEFORE, 100) | _flat(AFTER, 80)  # everything else fell by a fifth

    found = compare(scope, rest, started_on=START, until=UNTIL)

    assert found.adjustment == Adjustment.CONTROL
    assert (found.baseline_before, found.baseline_after) == (300, 240)
    assert found.adjusted_change == pytest.approx(-0.75)  # 0.2 / 0.8 − 1


def test_a_year_before_with_a_missing_month_is_not_used() -> None:
    """Veche did not hold those months whole (the municipality has no case in one of them):
    the control is used rather than a comparison with a hole in it."""
    year_before = _flat([shift(m, -12) for m in BEFORE], 20) | _flat(
        [shift(m, -12) for m in AFTER[:2]], 10
    )
    scope = year_before | _flat(BEFORE, 20) | _flat(AFTER, 4)
    rest = _flat(BEFORE, 100) | _flat(AFTER, 100)

    found = compare(scope, rest, started_on=START, until=UNTIL)

    assert found.adjustment == Adjustment.CONTROL
    assert found.adjusted_change == pytest.approx(-0.8)


def test_nothing_before_the_start_gives_no_change() -> None:
    found = compare(_flat(AFTER, 4), _flat(BEFORE + AFTER, 50), started_on=START, until=UNTIL)

    assert (found.before, found.after, found.raw_change, found.change) == (0, 12, None, None)
    assert found.adjustment == Adjustment.NONE


def test_growth_is_a_positive_change() -> None:
    found = compare(_flat(BEFORE, 10) | _flat(AFTER, 15), {}, started_on=START, until=UNTIL)

    assert found.raw_change == pytest.approx(0.5)
    assert found.few is False  # 30 before


# --- the target -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "target_date", "verdict"),
    [
        (80, date(2027, 3, 31), Verdict.ON_TRACK),  # −80 % already, the date is ahead
        (90, date(2027, 3, 31), Verdict.NOT_YET),
        (None, None, Verdict.NO_TARGET),
        # The date has passed: judged on the whole months up to it (Aug–Oct against May–Jul).
        (80, date(2026, 10, 31), Verdict.REACHED),
        (85, date(2026, 10, 31), Verdict.MISSED),
    ],
)
def test_the_target_is_judged_by_its_date(
    target: int | None, target_date: date | None, verdict: Verdict
) -> None:
    scope = _flat(BEFORE, 20) | _flat(AFTER, 4)

    effect = measure(
        scope, {}, started_on=START, until=UNTIL, target_percent=target, target_date=target_date
    )

    assert effect.verdict == verdict
    assert effect.decrease == pytest.approx(80)


def test_at_the_target_date_only_the_months_up_to_it_count() -> None:
    """Two months after the start the target date passed; later months do not change the
    verdict, though they change the figure of today."""
    scope = _flat(BEFORE, 20) | {AFTER[0]: 4, AFTER[1]: 4, AFTER[2]: 20}

    effect = measure(
        scope, {}, started_on=START, until=UNTIL, target_percent=80, target_date=date(2026, 9, 30)
    )

    assert effect.at_target is not None
    assert effect.at_target.windows.after == tuple(AFTER[:2])
    assert effect.at_target.change == pytest.approx(-0.8)
    assert effect.verdict == Verdict.REACHED
    assert effect.now.change == pytest.approx(28 / 60 - 1)


def test_the_series_marks_both_windows_and_the_year_before() -> None:
    scope = {shift(BEFORE[0], -12): 7} | _flat(BEFORE, 20) | _flat(AFTER, 4)

    effect = measure(scope, {}, started_on=START, until=UNTIL, target_percent=50)

    assert [(p.month, p.count, p.phase) for p in effect.series] == [
        (BEFORE[0], 20, Phase.BEFORE),
        (BEFORE[1], 20, Phase.BEFORE),
        (BEFORE[2], 20, Phase.BEFORE),
        (AFTER[0], 4, Phase.AFTER),
        (AFTER[1], 4, Phase.AFTER),
        (AFTER[2], 4, Phase.AFTER),
    ]
    assert effect.series[0].year_before == 7
    assert effect.target_level == pytest.approx(10)  # half of 20 a month


# --- the same, counted from the cases -------------------------------------------------------------


def _drafts(
    months: list[date], per_month: int, *, prefix: str, topic: Topic, territory: Territory
) -> list[tuple[CaseDraft, list[Any]]]:
    channel = Channel.objects.get(code="pos")
    return [
        (
            CaseDraft(
                channel,
                Regime.MESSAGE,
                f"Яма на дороге, сообщение {n}",
                datetime(month.year, month.month, 1 + n % 27, 10, 0, tzinfo=UTC),
                external_id=f"{prefix}-{month:%Y%m}-{n}",
                author=CitizenData(full_name=f"Автор {n}"),
                topic_id=topic.pk,
                territory_id=territory.pk,
            ),
            [],
        )
        for month in months
        for n in range(per_month)
    ]


@pytest.fixture
def places(world: World) -> dict[str, Territory]:
    district = Territory.objects.create(
        municipality=world.municipality, kind="district", name="Северный округ"
    )
    return {
        "district": district,
        "quarter": Territory.objects.create(
            municipality=world.municipality,
            parent=district,
            kind="neighbourhood",
            name="микрорайон Лесной",
        ),
        "elsewhere": Territory.objects.create(
            municipality=world.municipality, kind="district", name="Южный округ"
        ),
    }


def _roadmap(world: World, **fields: Any) -> Roadmap:
    fields.setdefault("started_on", START)
    return Roadmap.objects.create(
        municipality=world.municipality, title="Ямочный ремонт", created_at=NOW, **fields
    )


def test_a_topic_group_and_a_district_count_the_cases_within_them(
    world: World, places: dict[str, Territory]
) -> None:
    group = world.topic_pits.parent
    assert group is not None
    quarter, elsewhere = places["quarter"], places["elsewhere"]
    record_cases(
        world.municipality,
        # In scope: a topic of the group, in a neighbourhood of the district.
        _drafts(BEFORE, 20, prefix="in", topic=world.topic_pits, territory=quarter)
        + _drafts(AFTER, 4, prefix="in", topic=world.topic_pits, territory=quarter)
        # Out of scope, the control: another topic, and the same topic elsewhere.
        + _drafts(BEFORE + AFTER, 6, prefix="heat", topic=world.topic_heating, territory=quarter)
        + _drafts(BEFORE + AFTER, 4, prefix="south", topic=world.topic_pits, territory=elsewhere),
        by=None,
    )
    roadmap = _roadmap(world, topic=group, territory=places["district"], target_percent=80)

    assert scope_cases(roadmap).count() == 72
    effect = roadmap_effect(roadmap, until=NOW.date())

    assert (effect.now.before, effect.now.after) == (60, 12)
    assert effect.now.raw_change == pytest.approx(-0.8)
    assert effect.now.adjustment == Adjustment.CONTROL  # the rest held steady: 10 a month
    assert (effect.now.baseline_before, effect.now.baseline_after) == (30, 30)
    assert effect.now.adjusted_change == pytest.approx(-0.8)
    assert effect.verdict == Verdict.ON_TRACK


def test_the_same_season_a_year_earlier_shrinks_the_effect(
    world: World, places: dict[str, Territory]
) -> None:
    quarter = places["quarter"]
    last_year = [shift(m, -12) for m in BEFORE], [shift(m, -12) for m in AFTER]
    record_cases(
        world.municipality,
        _drafts(last_year[0], 20, prefix="ly", topic=world.topic_pits, territory=quarter)
        + _drafts(last_year[1], 10, prefix="ly", topic=world.topic_pits, territory=quarter)
        + _drafts(BEFORE, 20, prefix="in", topic=world.topic_pits, territory=quarter)
        + _drafts(AFTER, 4, prefix="in", topic=world.topic_pits, territory=quarter),
        by=None,
    )
    roadmap = _roadmap(world, topic=world.topic_pits, territory=quarter)

    effect = roadmap_effect(roadmap, until=NOW.date())

    assert effect.now.raw_change == pytest.approx(-0.8)
    assert effect.now.adjustment == Adjustment.YEAR_BEFORE
    assert effect.now.adjusted_change == pytest.approx(-0.6)
    assert [p.year_before for p in effect.series] == [20, 20, 20, 10, 10, 10]


def test_a_problem_counts_its_own_cases_by_local_month(world: World) -> None:
    """Moscow is UTC+3: a message at 22:30 UTC on 31 July arrived on 1 August there."""
    channel = Channel.objects.get(code="pos")
    moments = [
        datetime(2026, 7, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 7, 20, 9, 0, tzinfo=UTC),
        datetime(2026, 7, 31, 22, 30, tzinfo=UTC),  # 1 August, 01:30 in Moscow
        datetime(2026, 9, 5, 9, 0, tzinfo=UTC),
    ]
    drafts: list[tuple[CaseDraft, list[Any]]] = [
        (
            CaseDraft(channel, Regime.MESSAGE, f"Свалка у гаражей {n}", at, external_id=f"p{n}"),
            [],
        )
        for n, at in enumerate(moments)
    ]
    ids = record_cases(world.municipality, drafts, by=None).case_ids
    cases = list(Case.objects.filter(pk__in=ids).order_by("received_at"))
    problem = create_problem(
        world.municipality, title="Свалка у гаражей", cases=cases, by=world.operator, now=NOW
    )
    record_cases(  # not in the problem
        world.municipality,
        [(CaseDraft(channel, Regime.MESSAGE, "Другое", moments[0], external_id="x"), [])],
        by=None,
    )
    roadmap = _roadmap(world, problem=problem, started_on=date(2026, 8, 1))

    effect = roadmap_effect(roadmap, until=date(2026, 10, 1))

    assert effect.now.windows.after == (date(2026, 8, 1), date(2026, 9, 1))
    assert (effect.now.before, effect.now.after) == (2, 2)  # June 0 + July 2; August 1 + Sept 1
    assert effect.now.raw_change == pytest.approx(0.0)
    assert effect.now.few is True


def test_a_road_map_without_a_scope_counts_nothing(world: World) -> None:
    roadmap = _roadmap(world)

    assert scope_cases(roadmap).count() == 0
    assert roadmap_effect(roadmap, until=NOW.date() + timedelta(days=1)).now.change is None
