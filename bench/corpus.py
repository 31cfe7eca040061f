"""Citizen texts built from the family templates: words, addresses and names. No ORM.

Streets, house numbers, flats, bus routes and time phrases vary from text to text, so the FTS
index sees a skewed but realistic vocabulary.
"""

import random
from dataclasses import dataclass

from .families import FAMILIES, Family

STREETS: tuple[str, ...] = (
    "ул. Ленина", "ул. Мира", "ул. Гагарина", "ул. Пушкина", "ул. Кирова", "ул. Свердлова",
    "ул. Чкалова", "ул. Некрасова", "ул. Луначарского", "ул. Куйбышева", "ул. Советской Армии",
    "ул. Героев Хасана", "ул. Юрша", "ул. Екатерининская", "ул. Сибирская", "ул. Пермская",
    "ул. Революции", "ул. Плеханова", "ул. Ломоносова", "ул. Маяковского", "ул. Чернышевского",
    "ул. Крупской", "ул. Уральская", "ул. Строителей", "ул. Космонавтов", "ул. Транспортная",
    "ул. Липовая", "ул. Садовая", "ул. Школьная", "ул. Лесная", "ул. Молодёжная",
    "ул. Заводская", "пр-т Комсомольский", "пр-т Парковый", "б-р Гагарина", "пер. Охотников",
    "ул. Тимирязева", "ул. Макаренко", "ул. Голева", "ул. Карпинского",
)  # fmt: skip
STOPS = ("Центральный рынок", "Школа", "Больница", "Вокзал", "Кинотеатр", "Улица Мира", "Завод")
ADJ_PL = ("глубокие", "огромные", "опасные", "большие")
ADJ_SG = ("глубокая", "огромная", "опасная", "большая")
TREES = ("аварийное", "сухое", "наклонившееся", "старое")
SINCE = (
    "уже {n} дня", "уже неделю", "уже две недели", "с прошлой недели", "с начала месяца",
    "который месяц", "со вчерашнего дня", "третий день",
)  # fmt: skip
OPENINGS = ("", "", "", "Здравствуйте!", "Добрый день!", "Уважаемая администрация!",
            "Обращаюсь повторно.")  # fmt: skip
REQUESTS = (
    "Прошу принять меры.", "Просим разобраться и устранить проблему.",
    "Прошу сообщить сроки устранения.", "Когда это исправят?", "Прошу дать письменный ответ.",
    "Примите меры, пожалуйста!", "Жители дома просят помочь.", "",
)  # fmt: skip
GENERIC_ANSWERS = (
    "Информация передана в ответственную организацию, работы включены в план.",
    "Проведена проверка, нарушения устранены.",
    "Вопрос рассмотрен, разъяснения даны в ответе.",
)
# Surnames in -ов/-ев/-ин take «а» in the feminine. 40 × 25 × 20 × 2 ≈ 40,000 full names:
# citizens repeat the way common names do in a city (the service keeps one record per author).
SURNAMES = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
)
MALE_NAMES = (
    "Александр",
    "Алексей",
    "Андрей",
    "Антон",
    "Артём",
    "Борис",
    "Вадим",
    "Валерий",
    "Василий",
    "Виктор",
    "Владимир",
    "Геннадий",
    "Георгий",
    "Денис",
    "Дмитрий",
    "Евгений",
    "Иван",
    "Игорь",
    "Кирилл",
    "Максим",
    "Михаил",
    "Николай",
    "Олег",
    "Павел",
    "Сергей",
)
FEMALE_NAMES = (
    "Александра",
    "Алина",
    "Анастасия",
    "Анна",
    "Валентина",
    "Вера",
    "Галина",
    "Дарья",
    "Евгения",
    "Екатерина",
    "Елена",
    "Ирина",
    "Людмила",
    "Марина",
    "Мария",
    "Наталья",
    "Нина",
    "Ольга",
    "Светлана",
    "Софья",
    "Тамара",
    "Татьяна",
    "Юлия",
    "Любовь",
    "Надежда",
)
PATRONYMIC_STEMS = (
    "Александров", "Алексеев", "Андреев", "Борисов", "Васильев", "Викторов", "Владимиров",
    "Геннадьев", "Дмитриев", "Евгеньев", "Иванов", "Игорев", "Михайлов", "Николаев", "Олегов",
    "Павлов", "Петров", "Сергеев", "Юрьев", "Анатольев",
)  # fmt: skip


@dataclass(frozen=True)
class Text:
    family: Family
    street: str
    subject: str
    body: str
    address: str
    answer: str


def street_index(street: str) -> int:
    return STREETS.index(street)


def compose(family: Family, rng: random.Random, *, appeal: bool) -> Text:
    """One citizen text of a family with its address and a fitting final answer."""
    street = rng.choice(STREETS)
    slots = _slots(street, rng)
    problem = rng.choice(family.problems).format(**slots)
    parts = [rng.choice(OPENINGS), problem + "."]
    if family.consequences and rng.random() < 0.7:
        parts.append(rng.choice(family.consequences).format(**slots))
    parts.append(rng.choice(REQUESTS))
    answer = rng.choice(family.answers or GENERIC_ANSWERS).format(**slots)
    subject = f"Обращение: {family.subject}" if appeal and family.subject else ""
    return Text(
        family=family,
        street=street,
        subject=subject,
        body=" ".join(p for p in parts if p),
        address=slots["addr"],
        answer=f"Уважаемый заявитель! Ваше обращение рассмотрено. {answer}",
    )


def _slots(street: str, rng: random.Random) -> dict[str, str]:
    house = str(rng.randint(1, 150)) + rng.choice(("", "", "", "", "а", "б", "/2"))
    return {
        "street": street,
        "street2": rng.choice(STREETS),
        "house": house,
        "addr": f"{street}, д. {house}",
        "entrance": str(rng.randint(1, 8)),
        "flat": str(rng.randint(1, 240)),
        "adj_pl": rng.choice(ADJ_PL),
        "adj_sg": rng.choice(ADJ_SG),
        "tree": rng.choice(TREES),
        "since": rng.choice(SINCE).format(n=rng.randint(2, 4)),
        "temp": str(rng.randint(12, 17)),
        "route": str(rng.randint(1, 80)),
        "stop": rng.choice(STOPS),
        "kg": str(rng.randint(1, 120)),
    }


def full_name(rng: random.Random) -> str:
    surname, stem = rng.choice(SURNAMES), rng.choice(PATRONYMIC_STEMS)
    if rng.random() < 0.55:  # women write more often
        return f"{surname}а {rng.choice(FEMALE_NAMES)} {stem}на"
    return f"{surname} {rng.choice(MALE_NAMES)} {stem}ич"


def monthly_weights(month: int) -> list[float]:
    """Family weights in a month: three times as likely in season, a fifth out of it."""
    return [
        f.weight * (1.0 if not f.season else 3.0 if month in f.season else 0.2) for f in FAMILIES
    ]
