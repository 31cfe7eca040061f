"""Growth beyond the usual level and what drives it: detected on a synthetic history, quiet
on normal fluctuation and on a season that comes every year, limited to the actor's scope."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.http import QueryDict
from django.test import Client
from scipy.stats import false_discovery_control, nbinom, poisson

from tests.personas import World, make_case
from veche.analytics.growth import (
    Checked,
    Report,
    Series,
    adjusted,
    cases_query,
    growth_report,
    last_complete_week,
    upper_tail,
    usual_level,
    week_from,
)
from veche.analytics.growth_drivers import distinctive, explained, terms
from veche.analytics.params import InvalidParams
from veche.analytics.rollups import update_rollups
from veche.cases.forms import InboxFilterForm
from veche.cases.models import Case
from veche.cases.selectors import inbox_cases
from veche.cases.services import AnalysisData, change_topic, locate_case, record_analyses
from veche.catalog.models import Topic
from veche.org.models import Department, Territory
from veche.problems.models import Problem, ProblemCase

WEEK = date(2026, 11, 16)  # the last complete week on personas.NOW (Monday 23.11.2026)
BASELINE = [WEEK - timedelta(weeks=k) for k in (4, 8, 12, 16)]
LAST_YEAR = [WEEK - timedelta(weeks=k) for k in (51, 52, 53)]
ORDINARY = (
    "Во дворе глубокие ямы, машины не проехать.",
    "Яма на дороге у школы, засыпьте её.",
    "Разбитый асфальт во дворе, лужи после дождя.",
)
INJECTED = (
    "Провал асфальта на проезжей части у остановки, машины объезжают по встречной.",
    "Опять провал асфальта возле дома, страшно ходить.",
    "На Садовой провал асфальта, глубокий, огородите.",
    "Провал асфальта у школы, дети ходят рядом.",
)


def _at(monday: date, i: int) -> datetime:
    day = monday + timedelta(days=i % 7)
    return datetime(day.year, day.month, day.day, 7, i % 50, tzinfo=UTC)


def _cases(
    world: World,
    monday: date,
    n: int,
    topic: Topic,
    *,
    territory: Territory | None = None,
    texts: tuple[str, ...] = ORDINARY,
    channel: str = "pos",
    street: str = "улица Ленина",
    department: Department | None = None,
) -> list[Case]:
    made = []
    for i in range(n):
        at = _at(monday, i)
        text = texts[i % len(texts)]
        case = make_case(
            world.municipality, text=text, channel=channel, received_at=at, department=department
        )
        change_topic(case, topic, by=None, now=at)
        if territory is not None:
            locate_case(case, lat=56.0, lon=40.0, territory_id=territory.pk, at=at, by=None)
        data = AnalysisData(model_version="test", street=street, masked_text=text)
        record_analyses([(case, data)], at=at)
        made.append(case)
    return made


def _territory(world: World) -> Territory:
    return Territory.objects.create(
        municipality=world.municipality, kind=Territory.Kind.UNIT, name="Центральный"
    )


def _pits_grow(world: World, territory: Territory, department: Department | None = None) -> None:
    """Ямы: 4, 3, 5, 4 in the same weeks of the last four months; 20 in the tested week, 14
    of them about a collapse of asphalt on Садовая, from VK, grouped in one problem."""
    pits = world.topic_pits
    for monday, n in zip(BASELINE, (4, 3, 5, 4), strict=True):
        _cases(world, monday, n, pits, territory=territory, department=department)
    _cases(world, WEEK, 6, pits, territory=territory, department=department)
    burst = _cases(
        world, WEEK, 14, pits, territory=territory, texts=INJECTED, channel="vk",
        street="улица Садовая", department=department,
    )  # fmt: skip
    first, last = burst[0].received_at, burst[-1].received_at
    problem = Problem.objects.create(
        municipality=world.municipality, title="Провал асфальта — улица Садовая", topic=pits,
        first_at=first, last_at=last, created_at=last, case_count=len(burst),
    )  # fmt: skip
    ProblemCase.objects.bulk_create(
        ProblemCase(problem=problem, case=c, reason="same_text", added_at=c.received_at)
        for c in burst
    )


def _lighting_fluctuates(world: World, territory: Territory) -> Topic:
    """Освещение: 2, 9, 3, 8 in the baseline weeks, 9 in the tested week."""
    lighting = Topic.objects.create(parent=world.topic_pits.parent, name="Освещение (тест)")
    texts = ("Не горит фонарь во дворе.", "Темно на улице, не работает освещение.")
    for monday, n in zip([*BASELINE, WEEK], (2, 9, 3, 8, 9), strict=True):
        _cases(world, monday, n, lighting, territory=territory, texts=texts, street="улица Мира")
    return lighting


def _find(report: Report, topic: int | None, territory: int | None) -> Checked:
    return next(t for t in report.tested if t.series == Series(topic, territory))


@pytest.mark.django_db
def test_a_burst_is_found_with_its_phrase_street_channel_and_problem(world: World) -> None:
    territory = _territory(world)
    _pits_grow(world, territory)
    lighting = _lighting_fluctuates(world, territory)
    update_rollups()

    report = growth_report(world.head, world.municipality.pk, WEEK)

    pits = _find(report, world.topic_pits.pk, None)
    assert (pits.count, pits.usual.level, pits.usual.seasonal) == (20, 4, False)
    assert pits.usual.weeks == tuple(BASELINE)
    assert pits.grew and pits.p < 1e-6 and pits.q < 1e-4
    # All of the topic's growth is in Центральный: shown once, as the topic there.
    assert [t.series for t in report.growths] == [
        Series(world.topic_pits.pk, territory.pk), Series(None, territory.pk)
    ]  # fmt: skip
    assert Series(lighting.pk, None) not in {t.series for t in report.tested if t.grew}
    (item, drivers), _ = explained(world.head, world.municipality.pk, report)
    assert (item.topic, item.territory) == ("Ямы во дворах (тест)", "Центральный")
    assert drivers.phrases[0].label == "провал асфальта"
    assert (drivers.phrases[0].week, drivers.phrases[0].usual) == (14, 0)
    assert (drivers.places[0].label, drivers.places[0].week) == ("улица Садовая", 14)
    assert (drivers.channels[0].label, drivers.channels[0].week) == ("ВКонтакте", 14)
    assert [(p.label, p.week) for p in drivers.problems] == [
        ("Провал асфальта — улица Садовая", 14)
    ]


@pytest.mark.django_db
def test_normal_fluctuation_is_tested_and_not_reported(world: World) -> None:
    territory = _territory(world)
    lighting = _lighting_fluctuates(world, territory)
    update_rollups()

    report = growth_report(world.head, world.municipality.pk, WEEK)

    item = _find(report, lighting.pk, None)
    assert (item.count, item.usual.level) == (9, 5.5)
    assert item.ratio > 1.5 and item.p > 0.05
    assert report.growths == []


@pytest.mark.django_db
def test_a_season_that_comes_every_year_is_not_growth(world: World) -> None:
    """Отопление: 8 a week in the same weeks last year, 1 a week in the summer and autumn
    months, 9 this week: usual for the season, though nine times the recent level."""
    heating = world.topic_heating
    texts = ("Холодные батареи в квартире.", "Нет отопления в подъезде.")
    for monday in LAST_YEAR:
        _cases(world, monday, 8, heating, texts=texts)
    for monday in BASELINE:
        _cases(world, monday, 1, heating, texts=texts)
    _cases(world, WEEK, 9, heating, texts=texts)
    update_rollups()

    report = growth_report(world.head, world.municipality.pk, WEEK)

    item = _find(report, heating.pk, None)
    assert (item.usual.level, item.usual.seasonal, item.usual.weeks) == (8, True, tuple(LAST_YEAR))
    assert not item.grew and report.growths == []


@pytest.mark.django_db
def test_an_executor_sees_only_the_growth_of_their_department(world: World) -> None:
    territory = _territory(world)
    _pits_grow(world, territory, department=world.roads)
    update_rollups()

    roads = growth_report(world.roads_executor, world.municipality.pk, WEEK)
    housing = growth_report(world.housing_executor, world.municipality.pk, WEEK)
    neighbour = growth_report(world.neighbour_operator, world.municipality.pk, WEEK)

    assert Series(world.topic_pits.pk, territory.pk) in {t.series for t in roads.growths}
    assert (housing.tested, neighbour.tested) == ([], [])


@pytest.mark.django_db
def test_the_page_lists_the_growth_with_a_link_to_its_cases(world: World, client: Client) -> None:
    territory = _territory(world)
    _pits_grow(world, territory)
    update_rollups()
    client.force_login(world.head)

    page = client.get("/analytics/growth/?week=2026-11-16").content.decode()

    assert "Ямы во дворах (тест)" in page and "провал асфальта" in page
    query = f"topic={world.topic_pits.pk}&amp;territory={territory.pk}"
    assert f"/cases/?{query}&amp;received_from=2026-11-16&amp;received_to=2026-11-22" in page
    assert (
        "20 за неделю при обычных 4 — рост в 5,0 раза, случайность маловероятна: p &lt; 0,001"
        in page
    )


@pytest.mark.django_db
def test_the_page_explains_a_bad_week_and_shows_the_last_complete_one(
    world: World, client: Client
) -> None:
    client.force_login(world.head)

    answer = client.get("/analytics/growth/?week=2026-11-18")

    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Неделя задаётся датой понедельника, а 18.11.2026 — среда." in page
    assert "Показана последняя полная неделя." in page


@pytest.mark.django_db
def test_the_link_leads_to_exactly_the_cases_of_the_growth(world: World) -> None:
    territory = _territory(world)
    _pits_grow(world, territory)
    _cases(world, WEEK + timedelta(weeks=1), 3, world.topic_pits, territory=territory)
    update_rollups()
    item = growth_report(world.head, world.municipality.pk, WEEK).growths[0]

    form = InboxFilterForm(QueryDict(cases_query(item, WEEK)), user=world.head)

    assert inbox_cases(world.head, form.to_filter()).count() == item.count == 20


@pytest.mark.django_db
def test_the_page_says_what_was_tested_when_nothing_grew(world: World, client: Client) -> None:
    territory = _territory(world)
    _lighting_fluctuates(world, territory)
    update_rollups()
    client.force_login(world.head)

    page = client.get("/analytics/growth/?week=2026-11-16").content.decode()

    # lighting, Центральный, lighting × Центральный
    assert "Проверено 3 ряда, роста сверх обычного нет." in page


@pytest.mark.django_db
def test_the_api_reports_growth_and_refuses_a_bad_week(world: World, client: Client) -> None:
    territory = _territory(world)
    _pits_grow(world, territory)
    update_rollups()
    client.force_login(world.head)

    good = client.get("/api/v1/analytics/growth", {"week": "2026-11-16"})
    wednesday = client.get("/api/v1/analytics/growth", {"week": "2026-11-18"})
    junk = client.get("/api/v1/analytics/growth", {"week": "вчера"})

    assert good.status_code == 200
    first = next(g for g in good.json()["growths"] if g["topic_id"] == world.topic_pits.pk)
    assert (first["count"], first["usual"], first["phrases"][0]["label"]) == (
        20, 4, "провал асфальта",
    )  # fmt: skip
    assert wednesday.status_code == 400
    assert (
        wednesday.json()["message"] == "Неделя задаётся датой понедельника, а 18.11.2026 — среда."
    )
    assert junk.status_code == 400 and "не понята" in junk.json()["message"]


@pytest.mark.django_db
def test_the_api_refuses_another_municipality(world: World, client: Client) -> None:
    client.force_login(world.neighbour_operator)

    answer = client.get("/api/v1/analytics/growth", {"municipality": world.municipality.pk})

    assert answer.status_code == 403
    assert answer.json()["message"] == "Нет доступа к аналитике этого МО."


# --- pure parts ------------------------------------------------------------------------------


def test_the_default_week_is_the_last_complete_one() -> None:
    assert last_complete_week(date(2026, 11, 23)) == date(2026, 11, 16)
    assert last_complete_week(date(2026, 11, 29)) == date(2026, 11, 16)
    assert week_from("", date(2026, 11, 29)) == date(2026, 11, 16)
    assert week_from("2026-11-09", date(2026, 11, 29)) == date(2026, 11, 9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2026-13-01",
            "Неделя «2026-13-01» не понята: нужна дата её понедельника, например 2026-11-16.",
        ),
        ("2026-11-23", "Неделя с 23.11.2026 ещё не закончилась: последняя полная — с 16.11.2026."),
        ("2026-11-22", "Неделя задаётся датой понедельника, а 22.11.2026 — воскресенье."),
    ],
)
def test_a_bad_week_is_refused_in_russian(text: str, message: str) -> None:
    with pytest.raises(InvalidParams) as error:
        week_from(text, date(2026, 11, 25))

    assert error.value.message == message


def test_last_years_weeks_lift_the_usual_level_only_when_known() -> None:
    week = date(2026, 10, 12)
    counts = {week - timedelta(weeks=k): n for k, n in ((4, 1), (8, 0), (12, 0), (16, 1))}
    counts |= {week - timedelta(weeks=k): n for k, n in ((51, 30), (52, 25), (53, 40))}

    with_year = usual_level(counts, week, known_from=date(2025, 1, 6))
    without = usual_level(counts, week, known_from=date(2026, 6, 1))
    too_new = usual_level(counts, week, known_from=date(2026, 8, 3))

    assert with_year is not None and (with_year.level, with_year.seasonal) == (30, True)
    assert without is not None and (without.level, without.year_known) == (0.5, False)
    assert too_new is None  # only 2 recent weeks known


@pytest.mark.parametrize(("count", "level", "alpha"), [(20, 4, 0.0), (9, 5.5, 0.23), (3, 0.8, 1.5)])
def test_the_tail_is_scipys_negative_binomial_or_poisson(
    count: int, level: float, alpha: float
) -> None:
    expected = (
        poisson.sf(count - 1, level)
        if alpha == 0
        else nbinom.sf(count - 1, 1 / alpha, (1 / alpha) / (1 / alpha + level))
    )

    assert upper_tail(count, level, alpha) == pytest.approx(expected, rel=1e-9)


def test_an_empty_series_is_compared_with_half_a_case_a_week() -> None:
    assert upper_tail(5, 0, 0.0) == pytest.approx(poisson.sf(4, 0.5), rel=1e-9)
    assert upper_tail(0, 4, 0.0) == 1.0


def test_benjamini_hochberg_matches_scipy() -> None:
    ps = [0.001, 0.04, 0.03, 0.5, 0.0001, 0.2, 0.04]

    assert adjusted(ps) == pytest.approx(list(false_discovery_control(ps, method="bh")))


def test_phrases_are_content_lemmas_and_pairs_without_stop_words() -> None:
    found = terms("Просим помочь: провал асфальта на улице, [ФИО] звонил.")

    assert found["провал асфальт"] == "провал асфальта"
    assert "на" not in found and "просить" not in found and "фио" not in found
    assert "асфальт улица" not in found  # «на» between them


def test_a_phrase_only_in_the_week_is_distinctive_and_a_common_one_is_not() -> None:
    now = Counter({"провал асфальт": 14, "яма": 10})
    before = Counter({"яма": 8, "двор": 6})

    p = distinctive(now, before, n_now=20, n_before=16)

    assert p["провал асфальт"] == pytest.approx((20 / 36) ** 14)
    assert p["яма"] > 0.3
