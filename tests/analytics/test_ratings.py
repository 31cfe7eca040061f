"""Department ratings: shares shrunk toward the municipality's by hand-checked arithmetic, the
МЦУ's weights deciding the order, too-small departments apart, the reason each department sits
where it does, the workload, the rules page and the API."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from tests.personas import NOW, PASSWORD, World, make_case
from veche.analytics.indicators import Filters, Period
from veche.analytics.models import DailyRollup, RatingPolicy
from veche.analytics.ratings import (
    Component,
    Policy,
    ranks,
    rate,
    shrink,
    volume_points,
    workload,
)
from veche.analytics.rollups import update_rollups
from veche.cases.services import (
    approve_answer,
    change_status,
    draft_answer,
    record_answer_sent,
)
from veche.cases.workflow import Status
from veche.catalog.models import Channel
from veche.org.models import Department, Membership, Role, User

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
DAY = date(2026, 11, 10)
SPEED_ONLY = Policy({c: int(c == Component.SPEED) for c in Component})
SATISFACTION_ONLY = Policy({c: int(c == Component.SATISFACTION) for c in Component})
DEFAULTS = Policy.of(RatingPolicy())


def _counters(world: World, department: Department, **counts: int) -> None:
    """One day's counters of a department, as the rollups would keep them."""
    DailyRollup.objects.create(
        municipality=world.municipality,
        day=DAY,
        department=department,
        channel=Channel.objects.get(code="pos"),
        regime="message",
        **counts,
    )


@pytest.fixture
def three(world: World) -> World:
    """ЖКХ: 2 of 2 answers in time, 3 of 3 happy. Дороги: 45 of 50 in time, 20 of 40 happy.
    Образование: 30 of 60 in time, 5 of 10 happy. Pooled: 77 of 112 in time (p₀ = 0.6875),
    28 of 53 happy."""
    _counters(world, world.housing, received=3, answered_in_time=2, answer_clocked=2,
              rated=3, satisfied=3)  # fmt: skip
    _counters(world, world.roads, received=50, answered_in_time=45, answer_clocked=50,
              rated=40, satisfied=20)  # fmt: skip
    _counters(world, world.education, received=60, answered_in_time=30, answer_clocked=60,
              rated=10, satisfied=5)  # fmt: skip
    return world


def _row(rating: Any, department: Department) -> Any:
    return next(r for r in [*rating.rows, *rating.apart] if r.department_id == department.pk)


# --- the formula --------------------------------------------------------------------------------


def test_shrinkage_is_the_beta_binomial_posterior_mean() -> None:
    assert shrink(2, 2, 0.6875, 10) == pytest.approx((2 + 6.875) / 12)
    assert shrink(0, 0, 0.5, 0) == 0.5
    assert shrink(7, 10, 0.2, 0) == 0.7  # no prior: the raw share


def test_volume_points_grow_with_the_log_of_the_count() -> None:
    assert volume_points(100, 100) == 100
    assert volume_points(0, 100) == 0
    assert volume_points(10, 100) == pytest.approx(100 * 2.397895 / 4.615121, rel=1e-6)


def test_equal_indices_as_shown_share_a_place_and_the_next_is_skipped() -> None:
    assert ranks([80.04, 80.0, 79.0, 78.96, 50.0]) == [1, 1, 3, 3, 5]


def test_b_with_45_of_50_ranks_above_a_with_2_of_2_on_speed_after_shrinkage(three: World) -> None:
    rating = rate(three.head, three.municipality.pk, NOVEMBER, Filters(), SPEED_ONLY)

    p0 = 77 / 112
    speed = {r.name: r.score(Component.SPEED) for r in rating.rows}
    assert p0 == 0.6875
    assert speed["Комитет ЖКХ"].points == pytest.approx(100 * (2 + 10 * p0) / (2 + 10))  # 73.96
    assert speed["Комитет по дорогам"].points == pytest.approx(100 * (45 + 6.875) / 60)  # 86.46
    assert speed["Управление образования"].points == pytest.approx(100 * 36.875 / 70)  # 52.68
    assert speed["Комитет ЖКХ"].parts[0].raw == 1.0  # raw 100 % would have put it first
    assert [(r.rank, r.name) for r in rating.rows] == [
        (1, "Комитет по дорогам"),
        (2, "Комитет ЖКХ"),
        (3, "Управление образования"),
    ]
    assert speed["Комитет ЖКХ"].parts[0].reference == p0
    assert rating.reference[1].points == pytest.approx(68.75)


def test_weights_set_by_the_centre_change_the_order(three: World) -> None:
    muni = three.municipality.pk

    by_speed = rate(three.head, muni, NOVEMBER, Filters(), SPEED_ONLY)
    by_satisfaction = rate(three.head, muni, NOVEMBER, Filters(), SATISFACTION_ONLY)

    assert [r.name for r in by_speed.rows] == [
        "Комитет по дорогам", "Комитет ЖКХ", "Управление образования",
    ]  # fmt: skip
    # Happy shares shrunk toward 28/53: ЖКХ (3 + 10·28/53)/13 = 63.7, образование 51.4, дороги 50.6.
    assert [r.name for r in by_satisfaction.rows] == [
        "Комитет ЖКХ", "Управление образования", "Комитет по дорогам",
    ]  # fmt: skip
    assert by_satisfaction.rows[0].index == pytest.approx(100 * (3 + 10 * 28 / 53) / 13)


def test_the_index_is_the_weighted_mean_and_a_component_without_data_passes_its_weight(
    three: World,
) -> None:
    rating = rate(three.head, three.municipality.pk, NOVEMBER, Filters(), DEFAULTS)

    education = _row(rating, three.education)
    # Nobody finished a case: completeness (weight 20) drops out, the other 80 share the index.
    # Volume 100 (the busiest), speed 52.68, quality 100 (none returned, none checked),
    # satisfaction (5 + 10·28/53)/20.
    satisfaction = 100 * (5 + 10 * 28 / 53) / 20
    expected = (10 * 100 + 30 * 100 * 36.875 / 70 + 20 * 100 + 20 * satisfaction) / 80
    assert education.index == pytest.approx(expected)
    assert education.missing == (Component.COMPLETENESS,)
    assert education.score(Component.SPEED).weight == pytest.approx(30 / 80)
    assert "«Полнота»" in education.renormalised


def test_the_explanation_names_the_component_that_pulls_the_index_down_most(
    three: World,
) -> None:
    rating = rate(three.head, three.municipality.pk, NOVEMBER, Filters(), DEFAULTS)

    education = _row(rating, three.education)
    assert education.weakest is not None
    assert education.weakest.component == Component.SPEED
    # 30/80 of (68.75 − 52.68) index points lost against the municipality.
    gap = 30 / 80 * (68.75 - 100 * 36.875 / 70)
    assert education.weakest.gap == pytest.approx(gap)
    assert gap == pytest.approx(6.027, abs=1e-3)
    assert education.why == (
        "Ниже всего индекс тянет «Своевременность»: 52,7 балла против 68,8 по МО, "
        "это −6,0 балла индекса."
    )


def test_a_department_with_fewer_cases_than_the_minimum_is_listed_apart(three: World) -> None:
    culture = Department.objects.create(municipality=three.municipality, name="Отдел культуры")
    _counters(three, culture, received=1, answered_in_time=1, answer_clocked=1)

    strict = rate(three.head, three.municipality.pk, NOVEMBER, Filters(), SPEED_ONLY)
    lenient = rate(
        three.head, three.municipality.pk, NOVEMBER, Filters(),
        Policy(SPEED_ONLY.weights, min_cases=1),
    )  # fmt: skip

    assert culture.pk not in [r.department_id for r in strict.rows]
    assert [(r.name, r.rank, r.received) for r in strict.apart] == [("Отдел культуры", None, 1)]
    assert strict.ranked_total == 3
    assert lenient.ranked_total == 4 and lenient.apart == []


def test_department_staff_see_their_own_row_with_its_place_among_all(three: World) -> None:
    head = rate(three.head, three.municipality.pk, NOVEMBER, Filters(), SPEED_ONLY)
    executor = rate(three.housing_executor, three.municipality.pk, NOVEMBER, Filters(), SPEED_ONLY)
    block = rate(three.block_head, three.municipality.pk, NOVEMBER, Filters(), SPEED_ONLY)

    assert [(r.name, r.rank) for r in executor.rows] == [("Комитет ЖКХ", 2)]
    assert _row(executor, three.housing) == _row(head, three.housing)
    assert {r.name for r in block.rows} == {"Комитет ЖКХ", "Комитет по дорогам"}


def test_a_department_filter_narrows_the_rows_not_the_comparison(three: World) -> None:
    only_roads = Filters(departments=(three.roads.pk,))
    rating = rate(three.head, three.municipality.pk, NOVEMBER, only_roads, SPEED_ONLY)

    assert [(r.name, r.rank) for r in rating.rows] == [("Комитет по дорогам", 1)]
    assert rating.rows[0].score(Component.SPEED).parts[0].reference == 0.6875


def test_someone_from_another_municipality_gets_no_rating(three: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        rate(three.neighbour_operator, three.municipality.pk, NOVEMBER, Filters(), DEFAULTS)


# --- workload -----------------------------------------------------------------------------------


def _answered_and_closed(world: World, capture: Any) -> None:
    with capture(execute=True):
        case = make_case(world.municipality, department=world.roads)
    change_status(case, Status.IN_WORK, by=world.roads_executor, now=NOW)
    answer = draft_answer(case, "Яму заделали 20 ноября.", by=world.roads_executor, now=NOW)
    approve_answer(answer, by=world.head, now=NOW)
    record_answer_sent(answer, at=NOW, via="pos")


def test_workload_counts_received_open_and_overdue_cases_per_department_block_and_person(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    second = User.objects.create_user(username="housing_2", password=PASSWORD)
    Membership.objects.create(
        user=second, municipality=world.municipality, role=Role.EXECUTOR, department=world.housing
    )
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            make_case(world.municipality, department=world.housing)
    _answered_and_closed(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        make_case(world.municipality)  # not routed yet
    update_rollups()

    # A month on, every open clock has run out.
    load = workload(world.head, world.municipality.pk, NOVEMBER, Filters(), NOW + timedelta(30))

    rows = {r.name: r for r in load.departments}
    housing, roads = rows["Комитет ЖКХ"], rows["Комитет по дорогам"]
    assert (housing.received, housing.open_now, housing.overdue_now, housing.staff) == (2, 2, 2, 2)
    assert housing.open_per_staff == 1.0
    assert (roads.received, roads.open_now, roads.overdue_now, roads.staff) == (1, 0, 0, 1)
    assert (rows["исполнитель не назначен"].received, rows["исполнитель не назначен"].open_now) == (
        1, 1,
    )  # fmt: skip
    assert rows["Управление образования"].received == 0  # idle, still listed
    blocks = {b.name: b for b in load.blocks}
    city = blocks["Городское хозяйство"]
    assert (city.received, city.open_now, city.overdue_now, city.staff) == (3, 2, 2, 3)
    assert (load.total.received, load.total.open_now) == (4, 3)


def test_an_executor_sees_the_workload_of_their_own_department_only(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_case(world.municipality, department=world.housing)
        make_case(world.municipality, department=world.roads)
    update_rollups()

    load = workload(world.housing_executor, world.municipality.pk, NOVEMBER, Filters(), NOW)

    assert [(r.name, r.received, r.open_now) for r in load.departments] == [("Комитет ЖКХ", 1, 1)]
    assert [b.name for b in load.blocks] == ["Городское хозяйство"]


# --- the pages ----------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_ratings_page_shows_the_rank_the_reasons_and_the_method(three: World) -> None:
    page = _client(three.head).get("/analytics/ratings/?from=2026-11-01&to=2026-11-30")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Комитет по дорогам" in html and "<details>" in html
    assert "эмпирическим байесовским методом" in html and "m = 10" in html
    assert "Ниже всего индекс тянет «Своевременность»" in html
    assert "Правила рейтинга" in html  # the head may change them
    assert "Нагрузка" in html


def test_an_observer_sees_the_ratings_but_no_link_to_the_rules(three: World) -> None:
    page = _client(three.observer).get("/analytics/ratings/?period=2026-11")

    assert page.status_code == 200
    assert "/analytics/ratings/policy/" not in page.content.decode()


def test_a_bad_period_on_the_page_falls_back_and_says_why(three: World) -> None:
    page = _client(three.head).get("/analytics/ratings/?period=2026-13")

    assert page.status_code == 200
    assert "Период «2026-13» не понят" in page.content.decode()


def test_the_rules_page_is_forbidden_to_an_executor(world: World) -> None:
    client = _client(world.housing_executor)

    assert client.get("/analytics/ratings/policy/").status_code == 403
    posted = client.post("/analytics/ratings/policy/", _form(weight_speed=90))
    assert posted.status_code == 403
    assert not RatingPolicy.objects.exists()


def _form(**changes: int) -> dict[str, int]:
    values = {
        "weight_volume": 10, "weight_speed": 30, "weight_completeness": 20,
        "weight_quality": 20, "weight_satisfaction": 20, "min_cases": 2, "prior_cases": 10,
    }  # fmt: skip
    return values | changes


def test_the_head_saves_the_rules_and_the_row_is_created_on_first_save(world: World) -> None:
    client = _client(world.head)
    assert client.get("/analytics/ratings/policy/").status_code == 200
    assert not RatingPolicy.objects.exists()

    page = client.post(
        "/analytics/ratings/policy/", _form(weight_speed=50, min_cases=5, prior_cases=20),
        follow=True,
    )  # fmt: skip

    assert page.status_code == 200
    assert "Правила рейтинга сохранены." in page.content.decode()
    saved = RatingPolicy.objects.get(municipality=world.municipality)
    assert (saved.weight_speed, saved.weight_volume, saved.min_cases, saved.prior_cases) == (
        50, 10, 5, 20,
    )  # fmt: skip


def test_rules_with_every_weight_zero_are_refused_and_nothing_is_saved(world: World) -> None:
    zero = _form(weight_volume=0, weight_speed=0, weight_completeness=0, weight_quality=0,
                 weight_satisfaction=0)  # fmt: skip

    page = _client(world.head).post("/analytics/ratings/policy/", zero)

    assert page.status_code == 400
    assert "Хотя бы один вес должен быть больше нуля." in page.content.decode()
    assert not RatingPolicy.objects.exists()


def test_saved_rules_are_the_ones_the_page_uses(three: World) -> None:
    RatingPolicy.objects.create(
        municipality=three.municipality, weight_volume=0, weight_speed=0, weight_completeness=0,
        weight_quality=0, weight_satisfaction=1,
    )  # fmt: skip

    page = _client(three.head).get("/analytics/ratings/?period=2026-11")

    html = page.content.decode()
    assert html.index("Комитет ЖКХ") < html.index("Комитет по дорогам")


# --- the API ------------------------------------------------------------------------------------


def test_the_api_gives_the_ranked_rows_with_their_reasons(three: World) -> None:
    RatingPolicy.objects.create(
        municipality=three.municipality, weight_volume=0, weight_speed=1, weight_completeness=0,
        weight_quality=0, weight_satisfaction=0,
    )  # fmt: skip

    reply = _client(three.head).get("/api/v1/analytics/ratings?from=2026-11-01&to=2026-11-30")

    assert reply.status_code == 200
    body = reply.json()
    assert [(r["rank"], r["name"]) for r in body["rows"]] == [
        (1, "Комитет по дорогам"), (2, "Комитет ЖКХ"), (3, "Управление образования"),
    ]  # fmt: skip
    speed = next(c for c in body["rows"][1]["components"] if c["component"] == "speed")
    assert speed["parts"][0] | {"shrunk": round(speed["parts"][0]["shrunk"], 6)} == {
        "label": "ответов в срок", "x": 2, "n": 2, "raw": 1.0, "shrunk": round(8.875 / 12, 6),
        "municipality": 0.6875, "municipality_x": 77, "municipality_n": 112,
    }  # fmt: skip
    assert body["policy"]["prior_cases"] == 10 and "p₀" in body["method"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=2026-13", "Период «2026-13» не понят: нужен вид 2026-Q3 или 2026-10."),
        ("department=abc", "Параметр department: «abc» — не номер."),
        ("from=2026-11-30&to=2026-11-01", "Конец периода раньше начала."),
        ("regime=nonsense", "Режим «nonsense» неизвестен."),
    ],
)
def test_the_api_refuses_bad_parameters_with_a_russian_message(
    world: World, query: str, message: str
) -> None:
    reply = _client(world.head).get(f"/api/v1/analytics/ratings?{query}")

    assert reply.status_code == 400
    assert reply.json() == {"code": "invalid", "message": message}


def test_the_api_refuses_a_municipality_without_a_role_in_it(world: World) -> None:
    reply = _client(world.head).get(f"/api/v1/analytics/ratings?municipality={world.neighbour.pk}")

    assert reply.status_code == 403
    assert reply.json()["code"] == "forbidden"


def test_the_api_gives_the_workload(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_case(world.municipality, department=world.housing)
    update_rollups()

    reply = _client(world.head).get("/api/v1/analytics/ratings/workload?period=2026-11")

    assert reply.status_code == 200
    housing = next(d for d in reply.json()["departments"] if d["name"] == "Комитет ЖКХ")
    assert (housing["received"], housing["open_now"], housing["staff"]) == (1, 1, 1)


def test_the_rating_reads_a_fixed_number_of_queries_whatever_the_departments(
    three: World, django_assert_num_queries: Any
) -> None:
    for number in range(5):
        extra = Department.objects.create(municipality=three.municipality, name=f"Отдел {number}")
        _counters(three, extra, received=4, answered_in_time=1, answer_clocked=3)
    head = User.objects.get(pk=three.head.pk)  # no scope cached yet

    # the head's roles, the counters per department, their names, the answer times
    with django_assert_num_queries(4):
        rating = rate(head, three.municipality.pk, NOVEMBER, Filters(), DEFAULTS)

    assert rating.ranked_total == 8
