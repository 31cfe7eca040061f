"""Recurring problems not yet named: a small generated municipality with one planted problem of
each kind (the same place again and again, the same phrase across channels, a yard flooded
every April) among varied one-off cases, a burst and a citizen who writes again and again;
then the candidates page and naming one as a problem."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from tests.personas import NOW, World
from veche.cases.models import Case, CaseAnalysis, Event
from veche.cases.services import CaseDraft, CitizenData, Step, record_cases
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.problems.models import Problem, ProblemCase
from veche.problems.recurring import Candidate, find_candidates
from veche.problems.recurring_rows import norm_house, norm_street
from veche.problems.recurring_stats import (
    benjamini_hochberg,
    binomial_tail,
    chance_rate,
    poisson_tail,
)
from veche.problems.services import create_problem

OBJECTS = ("фонарь", "скамейка", "урна", "забор", "бордюр", "люк", "песочница", "качели",
           "клумба", "ограждение", "тротуар", "крыльцо", "козырёк", "водосток", "шлагбаум",
           "остановка", "пандус", "перила", "почтовый ящик", "домофон")  # fmt: skip
DEFECTS = ("сломан", "разбит", "покосился", "не работает", "в ужасном состоянии",
           "разрушен", "испорчен вандалами", "требует ремонта", "опасен для детей",
           "давно не красили", "шатается", "завален мусором")  # fmt: skip
STREETS = ("Ленина", "Гагарина", "Пушкина", "Кирова", "Садовая", "Лесная", "Школьная",
           "Заводская", "Советская", "Набережная", "Полевая", "Строителей", "Молодёжная",
           "Северная", "Южная", "Луговая", "Берёзовая", "Речная", "Зелёная", "Новая")  # fmt: skip
OPENINGS = ("", "Здравствуйте!", "Добрый день.", "Уважаемая администрация!", "Обращаюсь к вам.")
REQUESTS = ("Прошу принять меры.", "Просим разобраться.", "", "Когда это исправят?")
CHANNELS = ("pos", "vk", "telegram", "phone", "email", "im")


@dataclass
class Spec:
    text: str
    at: datetime
    citizen: str
    channel: str = "pos"
    topic: Topic | None = None
    street: str = ""
    house: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass
class Planted:
    place: list[Case]
    phrase: list[Case]
    seasonal: list[Case]
    burst: list[Case]
    repeater: list[Case]
    named: list[Case]
    noise: list[Case]


def _create(world: World, specs: list[Spec], prefix: str) -> list[Case]:
    """The cases through `record_cases`, and the analysis the triage pipeline would write for
    each: the topic, the street and house it read, the masked text. Where the pipeline did
    run (a test that commits: the browser's), its own analysis stays."""
    channels = {c.code: c for c in Channel.objects.all()}
    drafts: list[tuple[CaseDraft, list[Step]]] = [
        (
            CaseDraft(
                channels[s.channel],
                Regime.MESSAGE,
                s.text,
                s.at,
                external_id=f"{prefix}{n}",
                author=CitizenData(full_name=s.citizen),
                topic_id=s.topic.pk if s.topic else None,
                lat=s.lat,
                lon=s.lon,
            ),
            [],
        )
        for n, s in enumerate(specs)
    ]
    result = record_cases(world.municipality, drafts, by=None)
    cases = list(Case.objects.filter(pk__in=result.case_ids).order_by("pk"))
    analysed = set(CaseAnalysis.objects.filter(case__in=cases).values_list("case_id", flat=True))
    CaseAnalysis.objects.bulk_create(
        CaseAnalysis(
            case=case,
            model_version="test",
            analysed_at=s.at,
            topic=s.topic,
            street=f"ул. {s.street}" if s.street else "",
            house=s.house,
            masked_text=s.text,
        )
        for case, s in zip(cases, specs, strict=True)
        if case.pk not in analysed
    )
    return cases


def _noise(rng: random.Random, topics: list[Topic], count: int) -> list[Spec]:
    """One-off cases: varied objects, defects, streets and houses, over two years."""
    specs = []
    for n in range(count):
        street, house = rng.choice(STREETS), str(rng.randint(1, 60))
        text = (
            f"{rng.choice(OPENINGS)} Возле дома {house} по улице {street} "
            f"{rng.choice(OBJECTS)} {rng.choice(DEFECTS)}. {rng.choice(REQUESTS)}"
        ).strip()
        specs.append(
            Spec(
                text=text,
                at=NOW - timedelta(days=rng.uniform(1, 720)),
                citizen=f"Житель шума {n}",
                channel=rng.choice(CHANNELS),
                topic=rng.choice(topics),
                street=street,
                house=house,
            )
        )
    return specs


def _weeks_apart(start: datetime, count: int, days: int = 9) -> list[datetime]:
    return [start + timedelta(days=days * n, hours=n) for n in range(count)]


def _plant(world: World) -> Planted:
    rng = random.Random(7)
    flooding = Topic.objects.get(name="Подтопление территории")
    smell = Topic.objects.filter(name__startswith="Неисправность в системе водоотведения").first()
    others = Topic.objects.filter(parent__isnull=False).order_by("pk")[:5]
    topics = [world.topic_pits, world.topic_heating, flooding, *others]
    pits = world.topic_pits
    place = [
        Spec(f"Во дворе дома 17 по ул. Мира огромная яма, {w}.", at, f"Двор Мира {n}",
             CHANNELS[n % 3], pits, "Мира", "17")
        for n, (w, at) in enumerate(zip(
            ("машины бьют колёса", "опять не проехать", "дети падают", "яму так и не засыпали",
             "воды по колено", "скорая не подъедет"),
            _weeks_apart(NOW - timedelta(days=120), 6, days=17), strict=True))
    ]  # fmt: skip
    phrase = [
        Spec(text, at, f"Соседи котельной {n}", ("vk", "telegram", "pos", "phone", "vk")[n],
             smell)
        for n, (text, at) in enumerate(zip(
            ("Опять запах гари от котельной, дышать невозможно.",
             "Запах гари от котельной по вечерам, окна не открыть.",
             "Снова котельная дымит, запах гари во всём квартале.",
             "Когда прекратится запах гари от котельной? Дети кашляют.",
             "Невыносимый запах гари от котельной уже месяц."),
            _weeks_apart(NOW - timedelta(days=70), 5, days=12), strict=True))
    ]  # fmt: skip
    april = [
        datetime(year, 4, day, 7, tzinfo=NOW.tzinfo)
        for year, day in ((2025, 8), (2025, 20), (2026, 5), (2026, 17), (2026, 28))
    ]
    seasonal = [
        Spec(f"Двор дома 3 по ул. Садовой затопило талой водой, {w}.", at, f"Садовая {n}",
             ("pos", "phone", "pos", "vk", "email")[n], flooding, "Садовая", "3")
        for n, (w, at) in enumerate(zip(
            ("не выйти из подъезда", "как каждую весну", "снова по колено", "опять озеро",
             "вода стоит неделю"), april, strict=True))
    ]  # fmt: skip
    burst = [
        Spec("Во дворе дома 5 по ул. Ленина провалился асфальт.", NOW - timedelta(days=30, hours=n),
             f"Очевидец {n}", CHANNELS[n % 4], pits, "Ленина", "5")
        for n in range(6)
    ]  # fmt: skip
    repeater = [
        Spec(f"В квартире холодно, батареи чуть тёплые (обращение {n + 1}).", at,
             "Один и тот же житель", "pos", world.topic_heating, "Школьная", "40")
        for n, at in enumerate(_weeks_apart(NOW - timedelta(days=200), 5, days=20))
    ]  # fmt: skip
    named = [
        Spec(f"Яма у дома 9 по ул. Кирова, {w}.", at, f"Кирова {n}", CHANNELS[n % 3], pits,
             "Кирова", "9")
        for n, (w, at) in enumerate(zip(("снова", "опять", "до сих пор", "всё ещё", "как и раньше"),
                                        _weeks_apart(NOW - timedelta(days=300), 5, days=15),
                                        strict=True))
    ]  # fmt: skip
    groups = [place, phrase, seasonal, burst, repeater, named, _noise(rng, topics, 220)]
    made = [_create(world, specs, f"g{n}-") for n, specs in enumerate(groups)]
    return Planted(*made)


def _holding(candidates: list[Candidate], cases: list[Case]) -> Candidate | None:
    """The candidate holding most of these cases, if one does."""
    ids = {c.pk for c in cases}
    for candidate in candidates:
        if len(ids & set(candidate.case_ids)) * 2 > len(ids):
            return candidate
    return None


@pytest.fixture
def planted(world: World) -> Planted:
    found = _plant(world)
    create_problem(
        world.municipality,
        title="Яма у дома 9 по ул. Кирова",
        cases=found.named,
        by=world.operator,
        now=NOW,
    )
    return found


# --- what is found ---------------------------------------------------------------------------


def test_the_planted_recurring_problems_are_found_and_the_noise_mostly_not(
    world: World, planted: Planted
) -> None:
    candidates = find_candidates(world.municipality, now=NOW)

    place = _holding(candidates, planted.place)
    assert place is not None and "place" in place.kinds
    assert place.citizens == 6 and place.title.endswith("ул. Мира, д. 17")
    phrase = _holding(candidates, planted.phrase)
    assert phrase is not None and phrase.kinds == ("phrase",)
    assert "запах гари от котельной" in phrase.phrase.lower()
    assert set(phrase.channels) >= {"ВКонтакте", "Telegram"}
    seasonal = _holding(candidates, planted.seasonal)
    assert seasonal is not None and "seasonal" in seasonal.kinds
    assert seasonal.years == (2025, 2026) and seasonal.season == (4,)
    assert seasonal.season_label == "апрель"
    # Noise: one-off cases, a burst of one week, one citizen again and again.
    planted_ids = {c.pk for c in planted.place + planted.phrase + planted.seasonal}
    others = [c for c in candidates if not set(c.case_ids) & planted_ids]
    assert others == [], [c.title for c in others]
    for negative in (planted.burst, planted.repeater):
        assert _holding(candidates, negative) is None


def test_cases_of_a_named_problem_are_not_candidates(world: World, planted: Planted) -> None:
    candidates = find_candidates(world.municipality, now=NOW)

    named = {c.pk for c in planted.named}
    assert not any(named & set(c.case_ids) for c in candidates)


def test_a_candidate_carries_its_evidence(world: World, planted: Planted) -> None:
    candidates = find_candidates(world.municipality, now=NOW)
    place = _holding(candidates, planted.place)
    assert place is not None

    assert place.case_ids == tuple(c.pk for c in planted.place)
    assert set(place.channels) == {"ПОС (Госуслуги)", "ВКонтакте", "Telegram"}
    assert place.topic_id == world.topic_pits.pk
    months = dict(place.months)
    assert len(place.months) == 25 and sum(months.values()) == 6
    assert [months[m] for m in ("2026-07", "2026-08", "2026-09", "2026-10")] == [1, 2, 1, 2]
    assert place.month_summary == "июль 2026: 1; август 2026: 2; сентябрь 2026: 1; октябрь 2026: 2"
    # The last 90 days against the 90 before: 4 and 2 cases.
    assert (place.recent, place.previous, place.growth) == (4, 2, 2)
    assert place.score == pytest.approx(6 * 5 / 3)
    assert [e.case_id for e in place.excerpts] == [c.pk for c in planted.place[::-1][:3]]
    assert place.excerpts[0].text == planted.place[-1].text


def test_a_pipeline_grouping_is_no_obstacle_and_is_named(world: World, planted: Planted) -> None:
    grouped = Problem.objects.create(
        municipality=world.municipality,
        title="Яма во дворе",
        first_at=NOW,
        last_at=NOW,
        created_at=NOW,
    )
    ProblemCase.objects.bulk_create(
        ProblemCase(problem=grouped, case=c, reason="same_place", added_at=NOW)
        for c in planted.place[:2]
    )

    place = _holding(find_candidates(world.municipality, now=NOW), planted.place)

    assert place is not None and place.problem_ids == (grouped.pk,)


def test_growth_ranks_a_growing_problem_above_an_equal_fading_one(world: World) -> None:
    pits = world.topic_pits

    def spec(street: str, n: int, at: datetime) -> Spec:
        return Spec(f"Яма у дома 1 по ул. {street}.", at, f"{street} {n}", CHANNELS[n % 2], pits,
                    street, "1")  # fmt: skip

    fading = [spec("Полевая", n, at) for n, at in
              enumerate(_weeks_apart(NOW - timedelta(days=175), 4, days=20))]  # fmt: skip
    growing = [spec("Луговая", n, at) for n, at in
               enumerate(_weeks_apart(NOW - timedelta(days=80), 4, days=20))]  # fmt: skip
    _create(world, fading, "f")
    _create(world, growing, "g")

    titles = [c.title for c in find_candidates(world.municipality, now=NOW)]

    assert titles == [f"{pits.name} — ул. Луговая, д. 1", f"{pits.name} — ул. Полевая, д. 1"]


def test_a_case_with_only_a_point_joins_the_address_near_it(world: World) -> None:
    pits = world.topic_pits
    at = _weeks_apart(NOW - timedelta(days=100), 4, days=15)
    specs = [
        Spec("Яма во дворе, ул. Речная, 8.", at[n], f"Речная {n}", "pos", pits, "Речная", "8",
             58.0101, 56.2301)
        for n in range(3)
    ] + [Spec("Вот такая яма у нас во дворе!", at[3], "Без адреса", "vk", pits, lat=58.01012,
              lon=56.23013),
         # The street, not the house, and a point ~300 m off: the next cell, the same yard.
         Spec("Яма на Речной, сил нет!", at[3] + timedelta(days=2), "Без дома", "telegram", pits,
              "Речная", lat=58.0125, lon=56.2345)]  # fmt: skip
    cases = _create(world, specs, "p")

    [candidate] = find_candidates(world.municipality, now=NOW)

    assert candidate.case_ids == tuple(c.pk for c in cases)


def test_a_dense_topic_needs_more_citizens_than_chance_gives(world: World) -> None:
    """Every yard of this topic has three citizens in three weeks: three is what chance gives
    here, so only the yard with twelve stands out."""
    heating = world.topic_heating
    specs = []
    for n, street in enumerate(STREETS[:12]):
        at = _weeks_apart(NOW - timedelta(days=300 - 7 * n), 3, days=15)
        specs += [Spec("Холодно в квартирах.", at[k], f"{street} {k}", CHANNELS[k], heating,
                       street, "1") for k in range(3)]  # fmt: skip
    at = _weeks_apart(NOW - timedelta(days=330), 12, days=20)
    specs += [Spec("Холодно в квартирах.", at[k], f"Мира {k}", CHANNELS[k % 3], heating, "Мира",
                   "7") for k in range(12)]  # fmt: skip
    _create(world, specs, "d")

    found = find_candidates(world.municipality, now=NOW)

    assert [c.title for c in found] == [f"{heating.name} — ул. Мира, д. 7"]


def test_a_season_across_the_new_year_reads_in_its_order() -> None:
    from veche.problems.recurring_places import _best_season
    from veche.problems.recurring_rows import Thresholds

    months = [2024 * 12 + 11, 2025 * 12 + 0, 2025 * 12 + 0, 2025 * 12 + 11, 2026 * 12 + 0]
    flat = [10] * 12

    p, years, season = _best_season(months, flat, Thresholds())  # type: ignore[misc]

    assert (years, season) == ((2024, 2025), (12, 1)) and p < 0.01


def test_limit_and_the_period(world: World, planted: Planted) -> None:
    everything = find_candidates(world.municipality, now=NOW)

    assert len(find_candidates(world.municipality, now=NOW, limit=1)) == 1
    assert find_candidates(world.municipality, now=NOW, limit=1)[0].key == everything[0].key
    # A year before the planted cases there is nothing to find.
    assert find_candidates(world.municipality, now=NOW - timedelta(days=800)) == []


# --- pure parts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("street", "key"),
    [("ул. Ленина", "ленина"), ("Ленина улица", "ленина"), ("улица  ЛЕНИНА", "ленина"),
     ("Ленина", "ленина"), ("пр-т Комсомольский", "комсомольский пр-т"),
     ("Комсомольский проспект", "комсомольский пр-т"), ("б-р Гагарина", "гагарина б-р"),
     ("ул. Героев Хасана", "героев хасана"), ("пер. Охотников", "охотников пер"),
     ("ул. Ёлочная", "елочная")],
)  # fmt: skip
def test_street_keys(street: str, key: str) -> None:
    assert norm_street(street) == key


@pytest.mark.parametrize(("house", "key"), [("д. 5А", "5а"), ("5 а", "5а"), ("дом 12/2", "12/2")])
def test_house_keys(house: str, key: str) -> None:
    assert norm_house(house) == key


def test_chance_yardsticks() -> None:
    assert poisson_tail(0, 0.5) == 1.0
    assert poisson_tail(3, 0.0) == 0.0
    assert poisson_tail(1, 0.5) == pytest.approx(1 - 2.718281828**-0.5)
    assert binomial_tail(2, 2, 0.5) == pytest.approx(0.25)
    assert binomial_tail(3, 2, 0.5) == 0.0
    assert chance_rate(9, 3) is None
    assert chance_rate(99, 9) == pytest.approx(0.2)
    # BH: 0.001 ≤ 0.05·1/10, 0.008 ≤ 0.05·2/10; 0.04 > 0.05·3/10.
    assert benjamini_hochberg([0.04, 0.001, 0.008], 0.05, tests=10) == [False, True, True]
    assert benjamini_hochberg([], 0.05) == []


# --- the page and naming ----------------------------------------------------------------------


def test_the_page_lists_candidates_with_their_evidence(world: World, planted: Planted) -> None:
    client = Client()
    client.force_login(world.operator)

    page = client.get("/problems/candidates/", {"at": NOW.date().isoformat()})

    body = page.content.decode()
    assert page.status_code == 200
    assert "ул. Мира, д. 17" in body and "запах гари от котельной" in body.lower()
    assert "сезонный возврат" in body and "апрель, годы: 2025, 2026" in body
    assert "Назвать проблемой" in body
    assert planted.place[-1].number in body


def test_citizen_text_is_escaped_on_the_page(world: World) -> None:
    pits = world.topic_pits
    at = _weeks_apart(NOW - timedelta(days=60), 3, days=12)
    _create(world, [Spec(f"<script>alert({n})</script> яма", at[n], f"X {n}", "pos", pits,
                         "Новая", "2") for n in range(3)], "x")  # fmt: skip
    client = Client()
    client.force_login(world.operator)

    body = client.get("/problems/candidates/", {"at": NOW.date().isoformat()}).content.decode()

    assert "&lt;script&gt;alert(0)" in body and "<script>alert(" not in body


def test_who_sees_the_candidates(world: World, planted: Planted) -> None:
    client = Client()
    for user, status in ((world.observer, 200), (world.regional, 200), (world.head, 200),
                         (world.housing_executor, 403), (world.block_head, 403),
                         (world.nobody, 403)):  # fmt: skip
        client.force_login(user)
        assert client.get("/problems/candidates/").status_code == status, user.username
    # The neighbour's МЦУ sees its own municipality's candidates, never this one's.
    client.force_login(world.neighbour_operator)
    own = client.get("/problems/candidates/", {"at": NOW.date().isoformat()})
    assert own.status_code == 200 and "ул. Мира" not in own.content.decode()
    mine = {"municipality": str(world.municipality.pk), "at": NOW.date().isoformat()}
    assert client.get("/problems/candidates/", mine).status_code == 404
    client.logout()
    assert client.get("/problems/candidates/").status_code == 302
    client.force_login(world.observer)
    body = client.get("/problems/candidates/", {"at": NOW.date().isoformat()}).content.decode()
    assert "ул. Мира, д. 17" in body and "Назвать проблемой" not in body


def test_naming_a_candidate_makes_a_named_problem_of_its_cases(
    world: World, planted: Planted
) -> None:
    client = Client()
    client.force_login(world.operator)
    ids = [c.pk for c in planted.place]

    reply = client.post(
        "/problems/candidates/name/",
        {"municipality": world.municipality.pk, "title": "Яма во дворе Мира, 17",
         "case": ids, "topic": world.topic_pits.pk, "place": "ул. Мира, д. 17"},
    )  # fmt: skip

    problem = Problem.objects.get(title="Яма во дворе Мира, 17")
    assert reply.status_code == 302 and reply["Location"] == f"/problems/{problem.pk}/"
    assert problem.named_by == world.operator and problem.named_at is not None
    assert problem.topic == world.topic_pits and problem.place == "ул. Мира, д. 17"
    assert set(problem.links.values_list("case_id", flat=True)) == set(ids)
    assert Event.objects.filter(case_id__in=ids, kind="problem", actor=world.operator).count() == 6
    # Named, it is no longer a candidate.
    assert _holding(find_candidates(world.municipality, now=NOW), planted.place) is None


def test_naming_needs_work_rights_and_visible_cases(world: World, planted: Planted) -> None:
    client = Client()
    ids = [c.pk for c in planted.place]
    form = {"municipality": world.municipality.pk, "title": "Яма", "case": ids}

    client.force_login(world.observer)  # sees, may not work
    assert client.post("/problems/candidates/name/", form).status_code == 403
    client.force_login(world.neighbour_operator)
    assert client.post("/problems/candidates/name/", form).status_code == 404
    client.force_login(world.housing_executor)
    assert client.post("/problems/candidates/name/", form).status_code == 404
    client.force_login(world.operator)
    other = {"municipality": world.neighbour.pk, "title": "Яма", "case": ids}
    assert client.post("/problems/candidates/name/", other).status_code == 404
    assert client.get("/problems/candidates/name/").status_code == 405
    assert not Problem.objects.filter(title="Яма").exists()


@pytest.mark.parametrize(
    "form",
    [
        {"municipality": None, "title": "Яма", "case": ["{first}"]},
        {"municipality": "x", "title": "Яма", "case": ["{first}"]},
        {"title": "Яма", "case": ["abc"]},
        {"title": "Яма", "case": []},
        {"title": "   ", "case": ["{first}"]},
        {"title": "Яма", "case": ["{first}"], "topic": "x"},
        {"title": "Яма", "case": ["{first}"], "topic": "999999"},
        {"title": "Я" * 301, "case": ["{first}"]},
    ],
)
def test_a_malformed_naming_request_is_a_4xx(
    world: World, planted: Planted, form: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(world.operator)
    data: dict[str, Any] = {"municipality": world.municipality.pk} | form
    data = {k: v for k, v in data.items() if v is not None}
    data["case"] = [v.replace("{first}", str(planted.place[0].pk)) for v in form["case"]]
    before = Problem.objects.count()

    reply = client.post("/problems/candidates/name/", data)

    assert reply.status_code == 400
    assert "html" in reply["Content-Type"] and Problem.objects.count() == before


def test_a_bad_date_on_the_page_is_a_400(world: World) -> None:
    client = Client()
    client.force_login(world.operator)

    assert client.get("/problems/candidates/", {"at": "2026-13-40"}).status_code == 400
    assert client.get("/problems/candidates/", {"municipality": "x"}).status_code == 400
    assert client.get("/problems/candidates/", {"municipality": "999"}).status_code == 404


def test_the_page_defaults_to_now_and_says_when_there_is_nothing(world: World) -> None:
    client = Client()
    client.force_login(world.operator)

    reply = client.get("/problems/candidates/")

    assert reply.status_code == 200
    assert "Повторяющихся проблем не найдено" in reply.content.decode()
