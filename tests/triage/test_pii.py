"""Personal data found and masked in citizens' texts (veche.triage.pii)."""

import random

import pytest

from veche.triage.pii import EMAIL, PHONE, find_pii, inn_valid, luhn_valid, mask, snils_valid


def found(text: str) -> list[tuple[str, str]]:
    return [(s.kind.value, text[s.start : s.end]) for s in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Мой телефон +7 (912) 345-67-89, звоните", "phone", "+7 (912) 345-67-89"),
        ("Звоните 89123456789 вечером", "phone", "89123456789"),
        ("горячая линия 8-800-555-35-35", "phone", "8-800-555-35-35"),
        ("тел. 23-45-67, спросить мастера", "phone", "23-45-67"),
        ("Ответ на ivan.petrov@mail.ru", "email", "ivan.petrov@mail.ru"),
        ("пишите ivan собака yandex точка ru", "email", "ivan собака yandex точка ru"),
        ("СНИЛС 112-233-445 95", "snils", "112-233-445 95"),
        ("паспорт 45 08 123456 выдан ОВД", "passport", "45 08 123456"),
        ("Паспорт серия 4508 № 123456", "passport", "4508 № 123456"),
        ("ИНН 500100732259", "inn", "500100732259"),
        ("карта 4276 3800 1234 5679", "card", "4276 3800 1234 5679"),
        ("Иванов Иван Иванович просит", "name", "Иванов Иван Иванович"),
        ("Ответ направить Ивановой И.И. срочно", "name", "Ивановой И.И."),
        ("Передайте И. И. Петрову", "name", "И. И. Петрову"),
        ("Уважаемая Надежда Петровна, спасибо", "name", "Надежда Петровна"),
        ("течёт в кв. 45 на пятом этаже", "address", "кв. 45"),
        ("соседи из 12-й квартиры", "address", "12-й квартиры"),
    ],
)
def test_finds_personal_data(text: str, kind: str, value: str) -> None:
    assert found(text) == [(kind, value)]


def test_address_after_i_live_at_is_masked_up_to_the_flat() -> None:
    text = "Проживаю по адресу: г. Тверь, ул. Ленина, д. 5, кв. 12. Прошу разобраться."

    assert mask(text) == "Проживаю по адресу: [адрес]. Прошу разобраться."


def test_mask_replaces_each_kind_with_its_placeholder() -> None:
    text = "Петров Пётр Петрович, тел. +7 912 345 67 89, petrov@yandex.ru, СНИЛС 112-233-445 95"

    assert mask(text) == "[ФИО], тел. [телефон], [e-mail], СНИЛС [СНИЛС]"


@pytest.mark.parametrize(
    "text",
    [
        "Яма на ул. Гагарина у дома 5",
        "Не горят фонари на улице Софьи Ковалевской",
        "от пр. Ю. Гагарина до площади",
        "Заявка № 2024-001537 не исполнена",
        "ИНН 500100732250",
        "Во дворе 2024 году обещали ремонт, дом 15 корпус 2",
    ],
)
def test_no_false_personal_data(text: str) -> None:
    assert find_pii(text) == []


def test_checksums() -> None:
    assert snils_valid("112-233-445 95")
    assert not snils_valid("112-233-445 96")
    assert inn_valid("500100732259")
    assert not inn_valid("500100732250")
    assert luhn_valid("4276 3800 1234 5679")
    assert not luhn_valid("4276 3800 1234 5674")


def _phone_variants(rng: random.Random) -> list[str]:
    variants = []
    for _ in range(400):
        d = "".join(rng.choice("0123456789") for _ in range(10))
        d = rng.choice("9") + d[1:] if rng.random() < 0.5 else d
        a, b, c, e = d[:3], d[3:6], d[6:8], d[8:]
        sep = rng.choice(["", " ", "-", " - ", "."])
        prefix = rng.choice(["+7", "+7 ", "8", "8 ", "7", "+ 7"])
        area = rng.choice([a, f"({a})", f"( {a} )"])
        variants.append(f"{prefix}{sep}{area}{sep}{b}{sep}{c}{sep}{e}")
        variants.append(f"9{d[1:3]}{sep}{b}{sep}{c}{sep}{e}")
    return variants


def _email_variants(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    variants = []
    for _ in range(200):
        local = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
        local += rng.choice(["", ".ivanov", "_77", "-x", "+spam"])
        domain = rng.choice(["mail.ru", "yandex.ru", "gmail.com", "adm.tver.ru", "почта.рф"])
        variants.append(f"{local}@{domain}")
    return variants


TEMPLATES = [
    "Мой телефон {}, звоните после 18:00.",
    "{}",
    "Прошу перезвонить ({}), жду ответа!",
    "Контакт:{};",
    "Сосед (тел.{}) подтвердит",
]


def test_masked_text_never_matches_a_phone_or_an_email() -> None:
    rng = random.Random(152)
    values = _phone_variants(rng) + _email_variants(rng)
    for value in values:
        text = rng.choice(TEMPLATES).format(value)

        masked = mask(text)

        assert not PHONE.search(masked), (text, masked)
        assert not EMAIL.search(masked), (text, masked)
        assert "[телефон]" in masked or "[e-mail]" in masked, (text, masked)


def test_every_generated_phone_is_found_as_a_phone() -> None:
    rng = random.Random(59)
    for value in _phone_variants(rng)[:200]:
        assert [s.kind.value for s in find_pii(f"Звоните {value} днём")] == ["phone"], value
