"""Invented citizens: names, phones, e-mails and profiles, with some who write again and again.

E-mail addresses use the reserved `.example` domain, so no demo answer can reach a real inbox.
"""

import random
from dataclasses import dataclass

from veche.cases.services import CitizenData
from veche.demo.structure import Settlement

_MALE = (
    "Александр", "Алексей", "Андрей", "Антон", "Валерий", "Василий", "Виктор", "Владимир",
    "Дмитрий", "Евгений", "Иван", "Игорь", "Константин", "Михаил", "Николай", "Олег",
    "Павел", "Пётр", "Роман", "Сергей", "Юрий", "Геннадий", "Артём", "Денис",
)  # fmt: skip
_FEMALE = (
    "Анна", "Валентина", "Галина", "Екатерина", "Елена", "Ирина", "Лариса", "Людмила",
    "Марина", "Мария", "Надежда", "Наталья", "Нина", "Ольга", "Светлана", "Татьяна",
    "Юлия", "Любовь", "Вера", "Алёна", "Оксана", "Дарья", "Кристина", "Зинаида",
)  # fmt: skip
_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
    ("Васильевич", "Васильевна"), ("Викторович", "Викторовна"), ("Владимирович", "Владимировна"),
    ("Геннадьевич", "Геннадьевна"), ("Евгеньевич", "Евгеньевна"), ("Иванович", "Ивановна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Павлович", "Павловна"),
    ("Петрович", "Петровна"), ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"),
    ("Анатольевич", "Анатольевна"),
)  # fmt: skip
_SURNAMES = (
    "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов",
    "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Степанов", "Николаев",
    "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов",
    "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
    "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов",
    "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов",
    "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов",
    "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов", "Крылов",
    "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов", "Казаков",
    "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов", "Мартынов",
    "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Чернышёв", "Быков",
    "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов",
    "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв",
    "Овчинников", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров",
    "Емельянов", "Никифоров", "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов",
    "Кириллов", "Малышев", "Панов", "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков",
    "Горбунов", "Анисимов", "Еремин", "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов",
    "Юдин", "Белоусов", "Нестеров", "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков",
    "Левин", "Митрофанов", "Воронов", "Аксёнов", "Софронов", "Мальцев", "Логинов", "Горшков",
    "Черных", "Шевченко", "Коваленко", "Бондаренко", "Кравец", "Мороз", "Шульга", "Долгих",
)  # fmt: skip
_LATIN = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip
_MAIL_DOMAINS = ("mail.example", "pochta.example", "inbox.example", "yandeks.example")


@dataclass(frozen=True)
class Person:
    last: str
    first: str
    middle: str
    female: bool
    phone: str
    email: str
    social_number: int
    settlement: Settlement
    street: str
    house: int
    flat: int

    @property
    def full_name(self) -> str:
        return f"{self.last} {self.first} {self.middle}"

    @property
    def polite(self) -> str:
        """«Анна Петровна»: how an official answer addresses the author."""
        return f"{self.first} {self.middle}"

    @property
    def postal_address(self) -> str:
        street = f"{self.street}, " if self.street else ""
        flat = f", кв. {self.flat}" if self.flat else ""
        index = f"157{self.social_number % 900 + 100}"
        return f"{index}, {self.settlement.name}, {street}д. {self.house}{flat}"


def _female_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    return surname


def new_person(rng: random.Random, settlement: Settlement, number: int) -> Person:
    female = rng.random() < 0.62  # women write to the administration more often
    first = rng.choice(_FEMALE if female else _MALE)
    surname = rng.choice(_SURNAMES)
    last = _female_surname(surname) if female else surname
    latin = f"{last.lower().translate(_LATIN)}.{first[0].lower().translate(_LATIN)}"
    has_flat = settlement.is_town and rng.random() < 0.8
    return Person(
        last=last,
        first=first,
        middle=rng.choice(_PATRONYMICS)[female],
        female=female,
        phone=f"+7 9{rng.randint(0, 99):02d} {rng.randint(100, 999)}-{rng.randint(0, 99):02d}-"
        f"{rng.randint(0, 99):02d}",
        email=f"{latin}{rng.randint(1, 99)}@{rng.choice(_MAIL_DOMAINS)}",
        social_number=100_000 + number * 37 + rng.randint(0, 36),
        settlement=settlement,
        street=rng.choice(settlement.streets) if settlement.streets else "",
        house=rng.randint(1, 60 if settlement.is_town else 40),
        flat=rng.randint(1, 80) if has_flat else 0,
    )


def citizen_data(person: Person, channel: str) -> CitizenData:
    """What a channel tells about the author: a social profile, an ЕПГУ account, a letter."""
    if channel in ("vk", "ok", "telegram", "im"):
        return CitizenData(
            full_name=f"{person.first} {person.last}", social_id=_profile(person, channel)
        )
    if channel == "pos":
        return CitizenData(
            full_name=person.full_name,
            phone=person.phone,
            email=person.email,
            social_id=f"ЕПГУ {1_000_000_000 + person.social_number}",
        )
    if channel == "phone":
        return CitizenData(full_name=person.full_name, phone=person.phone)
    if channel in ("letter", "reception"):
        return CitizenData(
            full_name=person.full_name, phone=person.phone, postal_address=person.postal_address
        )
    return CitizenData(full_name=person.full_name, email=person.email, phone=person.phone)


def _profile(person: Person, channel: str) -> str:
    if channel == "ok":
        return f"ok.ru/profile/{570_000_000_000 + person.social_number}"
    if channel == "telegram":
        return f"@{person.first.lower().translate(_LATIN)}_{person.social_number % 10_000}"
    return f"vk.com/id{person.social_number * 113}"


class AuthorPool:
    """Most authors write once; a few hundred active residents write again and again."""

    def __init__(self, rng: random.Random, settlements: list[Settlement], weights: list[float]):
        self._rng = rng
        self._settlements = settlements
        self._weights = weights
        self._active: list[Person] = []
        self._count = 0

    def pick(self, repeat_share: float = 0.3) -> Person:
        rng = self._rng
        if self._active and rng.random() < repeat_share:
            return self._active[self._rank(len(self._active))]
        self._count += 1
        settlement = rng.choices(self._settlements, self._weights)[0]
        person = new_person(rng, settlement, self._count)
        if len(self._active) < 400 and rng.random() < 0.15:
            self._active.append(person)
        return person

    def _rank(self, size: int) -> int:
        """Rank r is drawn with weight 1/(r + 20): the first residents write most, but even
        the most active one writes about a hundred times a year, not thousands."""
        shift = 20
        rank = shift * ((size + shift) / shift) ** self._rng.random() - shift
        return min(int(rank), size - 1)
