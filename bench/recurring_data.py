"""The data of the recurring-problem benchmark (recurring.py): a town's background cases from
the main benchmark's corpus, planted recurring problems, hard negatives and named problems,
written with `bulk_create` together with the analysis the triage pipeline would have made.
See recurring.py for what is planted and how the reading is simulated."""

import argparse
import hashlib
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CHANNEL_MIX = {"pos": 35, "im": 20, "vk": 15, "phone": 10, "email": 8, "telegram": 7, "web_form": 5}
BOX = (58.0, 58.1, 56.2, 56.4)  # lat, lat, lon, lon: the city, as in the analytics benchmark
PHRASES: tuple[tuple[str, str, str], ...] = (
    ("запах гари от котельной", "опять дымит котельная, запах гари", "гарью от котельной пахнет"),
    (
        "шум от бетонного завода по ночам",
        "бетонный завод шумит всю ночь",
        "ночью грохот с бетонного завода",
    ),
    (
        "не ходит автобус до садоводства Рябинка",
        "автобус в Рябинку отменили",
        "до Рябинки автобус не ходит",
    ),
    (
        "ржавая вода из крана в микрорайоне Заречный",
        "в Заречном из крана течёт ржавая вода",
        "ржавая вода в Заречном",
    ),
    (
        "собаки с пустыря у гаражного кооператива нападают",
        "стая собак у гаражного кооператива",
        "бродячие собаки у гаражного кооператива",
    ),
    (
        "сломан лифт в новостройке ЖК Солнечный",
        "в ЖК Солнечный опять не работает лифт",
        "лифт в ЖК Солнечный стоит",
    ),
    (
        "свалка строительного мусора у железнодорожного переезда",
        "у переезда опять свалили строительный мусор",
        "строительный мусор у железнодорожного переезда",
    ),
    (
        "пробки на выезде с Восточного шоссе",
        "Восточное шоссе стоит в пробке каждое утро",
        "на Восточном шоссе пробка до моста",
    ),
    (
        "нет освещения на аллее Памяти",
        "аллея Памяти вечером без освещения",
        "на аллее Памяти не горят фонари",
    ),
    (
        "запах канализации у станции очистки",
        "от станции очистки воняет канализацией",
        "станция очистки, запах канализации",
    ),
    (
        "не работает светофор у торгового центра Радуга",
        "светофор у ТЦ Радуга опять отключён",
        "у Радуги светофор не работает",
    ),
    (
        "подтопление подземного перехода у вокзала",
        "переход у вокзала снова затопило",
        "подземный переход у вокзала в воде",
    ),
    (
        "рейсовый автобус 105 проезжает остановку Берёзки",
        "105-й автобус не останавливается у Берёзок",
        "Берёзки, автобус 105 мимо",
    ),
    (
        "дым от свалки покрышек на Промзоне",
        "на Промзоне жгут покрышки, дым",
        "покрышки горят в Промзоне",
    ),
    (
        "нет связи и интернета в посёлке Торфяной",
        "в Торфяном пропал интернет и связь",
        "Торфяной без мобильной связи",
    ),
    (
        "очереди в поликлинике на Кленовой к терапевту",
        "в поликлинике на Кленовой не попасть к терапевту",
        "терапевт в поликлинике на Кленовой, запись на месяц",
    ),
    (
        "самосвалы с карьера разбивают дорогу",
        "карьерные самосвалы разбили дорогу",
        "дорогу разбивают самосвалы с карьера",
    ),
    (
        "сброс отходов в речку Каменку",
        "в Каменку сливают отходы",
        "речка Каменка грязная, сливают отходы",
    ),
    (
        "нет воды в колонке на Овражной",
        "колонка на Овражной без воды",
        "на Овражной колонка не работает",
    ),
    (
        "громкая музыка из кафе Ночной дозор",
        "кафе Ночной дозор шумит до утра",
        "из Ночного дозора музыка всю ночь",
    ),
    (
        "переполнен детский сад Колокольчик",
        "в садике Колокольчик нет мест",
        "Колокольчик, садик переполнен",
    ),
    (
        "скользкий пешеходный мост через Каменку",
        "мост через Каменку не посыпают",
        "на пешеходном мосту через Каменку гололёд",
    ),
    (
        "неработающий фонтан в парке Победы",
        "в парке Победы фонтан сломан",
        "фонтан в парке Победы опять стоит",
    ),
    (
        "самокаты на тротуаре у гимназии",
        "у гимназии самокатчики гоняют по тротуару",
        "тротуар у гимназии, самокаты сбивают детей",
    ),
    (
        "пыль от асфальтового завода у Лесной дачи",
        "асфальтовый завод пылит, Лесная дача",
        "у Лесной дачи пыль с асфальтового завода",
    ),
    (
        "отключения электричества в деревне Кузьминки",
        "в Кузьминках снова нет электричества",
        "Кузьминки без электричества",
    ),
    (
        "комары от заболоченного пруда у школы",
        "пруд у школы заболотился, комары",
        "заболоченный пруд у школы",
    ),
    (
        "борщевик вдоль трассы на Ключи",
        "трасса на Ключи заросла борщевиком",
        "на обочине трассы на Ключи борщевик",
    ),
    (
        "разбитые плиты на набережной у причала",
        "плиты на набережной у причала провалились",
        "у причала на набережной разбиты плиты",
    ),
    ("не вывозят мусор в СНТ Полянка", "в СНТ Полянка мусор не вывозят", "Полянка, мусор копится"),
)


RANKS = ("", "Маршала ", "Генерала ", "Академика ", "Героя ", "Космонавта ", "Лётчика ",
         "Инженера ", "Профессора ", "Доктора ", "Капитана ", "Учителя ", "Писателя ",
         "Художника ", "Композитора ", "Поэта ")  # fmt: skip
KINDS = ("ул.", "пер.", "пр-д", "б-р")


def street_names(count: int) -> list[str]:
    """`count` street names for a town of this many cases: the corpus's 40 streets, then
    «ул. Академика Смирнова»-like ones (the corpus's surnames), shuffled with a fixed seed. The
    corpus alone has 40 streets: at 20,000 cases that is 500 cases a street, so every street
    would be a recurring place of its own."""
    from .corpus import STREETS, SURNAMES

    made = [f"{kind} {rank}{surname}а" for kind in KINDS for rank in RANKS for surname in SURNAMES]
    random.Random(0).shuffle(made)
    return [*STREETS, *made][: max(count, len(STREETS))]


@dataclass
class Planted:
    kind: str  # place, phrase, seasonal; burst, repeater (hard negatives); named
    label: str
    case_ids: list[int] = field(default_factory=list)


@dataclass
class Draft:
    text: str
    at: datetime
    family: Any  # a corpus Family (its topic), or None
    channel: str
    citizen: int  # index of the citizen in this run
    topic_error: float = 0.08  # how often the pipeline reads another topic
    street: str = ""
    house: str = ""
    own_point: tuple[float, float] | None = None
    read: bool = True  # the pipeline read the address of this text
    rejected: bool = False
    group: int | None = None  # index into the planted list


# --- the data ------------------------------------------------------------------------------------


def build(args: argparse.Namespace) -> tuple[Any, list[Planted], dict[str, Any]]:
    from .world import build_world

    started = time.perf_counter()
    world = build_world()
    rng = random.Random(args.seed)
    since = NOW - timedelta(days=round(args.months * 30.44))
    planted: list[Planted] = []
    streets = street_names(args.cases // args.cases_per_street)
    drafts = _background(rng, args.cases, since, streets)
    for kind, make in (("place", _place), ("phrase", _phrase), ("seasonal", _seasonal),
                       ("burst", _burst), ("repeater", _repeater), ("named", _place)):  # fmt: skip
        for n in range(args.planted):
            planted.append(Planted(kind, f"{kind} {n + 1}"))
            drafts += make(rng, since, len(planted) - 1, n, streets)
    rng.shuffle(drafts)
    generated = time.perf_counter() - started
    print(f"writing {len(drafts):,} cases …", file=sys.stderr, flush=True)
    _write(world, drafts, planted, rng)
    _name_problems(world, planted)
    return (
        world,
        planted,
        {
            "cases": len(drafts),
            "streets": len(streets),
            "background": args.cases,
            "planted_cases": sum(1 for d in drafts if d.group is not None),
            "generate_s": round(generated, 1),
            "write_s": round(time.perf_counter() - started - generated, 1),
        },
    )


def _background(rng: random.Random, count: int, since: datetime, streets: list[str]) -> list[Draft]:
    from .corpus import compose, monthly_weights
    from .families import FAMILIES

    span = (NOW - since).total_seconds()
    repeaters = max(1, count // 20)  # 5% of the citizens write 30% of the cases
    drafts = []
    for n in range(count):
        at = since + timedelta(seconds=rng.uniform(0, span))
        family = rng.choices(FAMILIES, weights=monthly_weights(at.month))[0]
        text = compose(family, rng, appeal=False)
        citizen = rng.randrange(repeaters) if rng.random() < 0.3 else repeaters + n
        town_street = rng.choice(streets)
        body = text.body.replace(text.street, town_street)
        street, house = _read_address(body, text.address.replace(text.street, town_street))
        drafts.append(
            Draft(
                text=body,
                at=at,
                family=family,
                channel=_channel(rng),
                citizen=citizen,
                street=street,
                house=house,
                own_point=_point(rng, street, house) if rng.random() < 0.4 else None,
                read=rng.random() < 0.85,
                rejected=rng.random() < 0.02,
            )
        )
    return drafts


def _read_address(body: str, address: str) -> tuple[str, str]:
    """The street and house a text names (a template may name only the street, or none)."""
    street, _, house = address.partition(", д. ")
    if street not in body:
        return "", ""
    number = re.compile(rf"(?<![0-9/]){re.escape(house)}(?![0-9а-я/])")
    return street, house if number.search(body) else ""


def _channel(rng: random.Random, choices: tuple[str, ...] = ()) -> str:
    names = choices or tuple(CHANNEL_MIX)
    return rng.choices(names, weights=[CHANNEL_MIX[c] for c in names])[0]


def _house_point(street: str, house: str) -> tuple[float, float]:
    """A fixed point for an address (the same every time), inside the city box."""
    digest = hashlib.blake2b(f"{street}|{house}".encode(), digest_size=8).digest()
    a, b = int.from_bytes(digest[:4]) / 2**32, int.from_bytes(digest[4:]) / 2**32
    return BOX[0] + a * (BOX[1] - BOX[0]), BOX[2] + b * (BOX[3] - BOX[2])


def _point(rng: random.Random, street: str, house: str) -> tuple[float, float]:
    """A citizen's own point: within ~25 m of the house; somewhere along a street named
    without a house (a 2 km stretch from the street's first house); anywhere for no address."""
    if not street:
        return rng.uniform(BOX[0], BOX[1]), rng.uniform(BOX[2], BOX[3])
    if not house:
        (lat, lon), (lat2, lon2) = _house_point(street, "1"), _house_point(street, "150")
        length = max(((lat2 - lat) ** 2 + ((lon2 - lon) / 2) ** 2) ** 0.5 / 0.018, 1.0)
        along = rng.uniform(0, 1 / length)
        return lat + along * (lat2 - lat), lon + along * (lon2 - lon)
    lat, lon = _house_point(street, house)
    return lat + rng.uniform(-0.0002, 0.0002), lon + rng.uniform(-0.0004, 0.0004)


def _family(rng: random.Random) -> Any:
    from .families import FAMILIES

    return rng.choice([f for f in FAMILIES if f.topic and f.key != "hogweed"])


def _at_house(rng: random.Random, family: Any, street: str, house: str) -> str:
    """A text of the family about this house (the corpus wording, the address fixed)."""
    from .corpus import OPENINGS, REQUESTS, _slots

    slots = _slots(street, rng) | {"house": house, "addr": f"{street}, д. {house}"}
    wordings = [p for p in family.problems if "{house}" in p or "{addr}" in p] or family.problems
    parts = [rng.choice(OPENINGS), rng.choice(wordings).format(**slots) + "."]
    if family.consequences and rng.random() < 0.7:
        parts.append(rng.choice(family.consequences).format(**slots))
    parts.append(rng.choice(REQUESTS))
    return " ".join(p for p in parts if p)


def _random_house(rng: random.Random, streets: list[str]) -> tuple[str, str]:
    return rng.choice(streets), str(rng.randint(1, 150))


def _times(rng: random.Random, count: int, start: datetime, days: float) -> list[datetime]:
    return sorted(start + timedelta(days=rng.uniform(0, days)) for _ in range(count))


def _at_place(
    rng: random.Random, group: int, times: list[datetime], family: Any, street: str, house: str,
    citizens: list[int],
) -> list[Draft]:  # fmt: skip
    return [
        Draft(
            text=_at_house(rng, family, street, house),
            at=at,
            family=family,
            channel=_channel(rng),
            citizen=citizens[n % len(citizens)],
            street=street,
            house=house,
            own_point=_point(rng, street, house) if rng.random() < 0.4 else None,
            read=rng.random() < 0.85,
            group=group,
        )
        for n, at in enumerate(times)
    ]


def _new_citizens(count: int, group: int) -> list[int]:
    return [10_000_000 + group * 100 + n for n in range(count)]


def _place(
    rng: random.Random, since: datetime, group: int, _: int, streets: list[str]
) -> list[Draft]:
    count = rng.randint(5, 14)
    days = rng.uniform(60, 300)
    start = since + timedelta(days=rng.uniform(0, (NOW - since).days - days))
    street, house = _random_house(rng, streets)
    times = _times(rng, count, start, days)
    return _at_place(rng, group, times, _family(rng), street, house, _new_citizens(count, group))


def _phrase(rng: random.Random, since: datetime, group: int, n: int, _: list[str]) -> list[Draft]:
    from .corpus import OPENINGS, REQUESTS

    wordings = PHRASES[n % len(PHRASES)]
    family = _family(rng) if rng.random() < 0.8 else None
    count = rng.randint(5, 14)
    days = rng.uniform(21, 70)
    start = since + timedelta(days=rng.uniform(0, (NOW - since).days - days))
    channels = tuple(rng.sample(tuple(CHANNEL_MIX), rng.randint(2, 4)))
    drafts = []
    for i, at in enumerate(_times(rng, count, start, days)):
        wording = rng.choice(wordings)
        text = f"{rng.choice(OPENINGS)} {wording[0].upper()}{wording[1:]}. {rng.choice(REQUESTS)}"
        drafts.append(
            Draft(
                text=text.strip(),
                at=at,
                family=family,
                topic_error=0.25,  # the text is not in the family's words
                # Every channel of the problem once, then any of them.
                channel=channels[i] if i < len(channels) else _channel(rng, channels),
                citizen=_new_citizens(count, group)[i],
                own_point=_point(rng, "", "") if rng.random() < 0.2 else None,
                group=group,
            )
        )  # fmt: skip
    return drafts


def _seasonal(
    rng: random.Random, since: datetime, group: int, _: int, streets: list[str]
) -> list[Draft]:
    family = _family(rng)
    street, house = _random_house(rng, streets)
    month, width = rng.randint(1, 10), rng.choice((1, 2))
    times: list[datetime] = []
    for year in (2025, 2026):
        start = datetime(year, month, 1, 6, tzinfo=UTC)
        times += _times(rng, rng.randint(2, 3), start, 28 * width)
    return _at_place(rng, group, times, family, street, house, _new_citizens(len(times), group))


def _burst(
    rng: random.Random, since: datetime, group: int, _: int, streets: list[str]
) -> list[Draft]:
    count = rng.randint(6, 12)
    start = since + timedelta(days=rng.uniform(0, (NOW - since).days - 3))
    street, house = _random_house(rng, streets)
    times = _times(rng, count, start, 3)
    return _at_place(rng, group, times, _family(rng), street, house, _new_citizens(count, group))


def _repeater(
    rng: random.Random, since: datetime, group: int, _: int, streets: list[str]
) -> list[Draft]:
    count = rng.randint(5, 8)
    days = rng.uniform(60, 300)
    start = since + timedelta(days=rng.uniform(0, (NOW - since).days - days))
    street, house = _random_house(rng, streets)
    times = _times(rng, count, start, days)
    return _at_place(rng, group, times, _family(rng), street, house, _new_citizens(1, group))


# --- writing -------------------------------------------------------------------------------------

BATCH = 2000


def _write(world: Any, drafts: list[Draft], planted: list[Planted], rng: random.Random) -> None:
    from tqdm import tqdm

    from veche.cases.models import Case, CaseAnalysis, Citizen
    from veche.cases.search import index_text
    from veche.cases.workflow import Regime, Status

    topics = world.topics
    family_topics = list(topics.values())
    citizens: dict[int, int] = {}
    wanted = sorted({d.citizen for d in drafts})
    for start in range(0, len(wanted), BATCH):
        made = Citizen.objects.bulk_create(
            Citizen(municipality=world.municipality, full_name=f"Заявитель {i}")
            for i in wanted[start : start + BATCH]
        )
        citizens.update(zip(wanted[start : start + BATCH], (c.pk for c in made), strict=True))
    drafts.sort(key=lambda d: d.at)
    with tqdm(total=len(drafts), unit="case", desc="cases", mininterval=2) as bar:
        for start in range(0, len(drafts), BATCH):
            chunk = drafts[start : start + BATCH]
            cases = Case.objects.bulk_create(
                Case(
                    municipality=world.municipality,
                    number=f"БЕН-Р-{start + i + 1:07d}",
                    regime=Regime.MESSAGE,
                    channel=world.channels[d.channel],
                    status=Status.REJECTED if d.rejected else Status.CLOSED,
                    received_at=d.at,
                    registered_at=d.at,
                    author_id=citizens[d.citizen],
                    text=d.text,
                    search_lemmas=index_text("", d.text),
                    lat=d.own_point[0] if d.own_point else None,
                    lon=d.own_point[1] if d.own_point else None,
                    territory_id=_district(world, d.street),
                )
                for i, d in enumerate(chunk)
            )
            CaseAnalysis.objects.bulk_create(
                _reading(case, d, topics, family_topics, rng)
                for case, d in zip(cases, chunk, strict=True)
            )
            for case, d in zip(cases, chunk, strict=True):
                if d.group is not None:
                    planted[d.group].case_ids.append(case.pk)
            bar.update(len(chunk))


def _district(world: Any, street: str) -> int | None:
    """The street's district: the same for every case of the street."""
    if not street:
        return None
    districts: tuple[int, ...] = world.district_of_street
    digest = hashlib.blake2b(street.encode(), digest_size=2).digest()
    return districts[int.from_bytes(digest) % len(districts)]


def _reading(
    case: Any, draft: Draft, topics: dict[str, int], family_topics: list[int], rng: random.Random
) -> Any:
    """What the triage pipeline would have read: the topic (wrong in 8%, 25% for a planted
    phrase, whose words are not its family's), the street and house
    (read in 85% of the texts that have them), the gazetteer house (half of the houses are in
    the gazetteer), the masked text."""
    from veche.cases.models import CaseAnalysis

    topic = topics.get(draft.family.key) if draft.family is not None else None
    if rng.random() < draft.topic_error:
        topic = rng.choice(family_topics) if rng.random() < 0.7 else None
    street = draft.street if draft.read else ""
    house = draft.house if draft.read and street else ""
    known = bool(house) and hashlib.blake2b(f"{street}|{house}".encode()).digest()[0] < 128
    lat, lon = _house_point(street, house) if known else (None, None)
    return CaseAnalysis(
        case=case,
        model_version="bench",
        analysed_at=draft.at,
        topic_id=topic,
        street=street,
        house=house,
        place_name=f"{street}, д. {house}" if known else "",
        place_level="house" if known else ("street" if street else ""),
        place_lat=lat,
        place_lon=lon,
        masked_text=draft.text,
    )


def _name_problems(world: Any, planted: list[Planted]) -> None:
    from veche.cases.models import Case
    from veche.problems.models import Problem, ProblemCase

    for item in planted:
        if item.kind != "named":
            continue
        times = list(
            Case.objects.filter(pk__in=item.case_ids).values_list("received_at", flat=True)
        )
        problem = Problem.objects.create(
            municipality=world.municipality, title=item.label, named_at=NOW,
            first_at=min(times), last_at=max(times), created_at=NOW,
        )  # fmt: skip
        ProblemCase.objects.bulk_create(
            ProblemCase(problem=problem, case_id=pk, reason="officer", added_at=NOW)
            for pk in item.case_ids
        )
