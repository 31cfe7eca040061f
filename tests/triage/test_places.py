"""Addresses and places in free Russian text, the gazetteer and the match-rate measurement.

Every sentence here is written for these tests; none comes from the spb-gorod data.
"""

import json
import time
from pathlib import Path

import pytest

from veche.demo.gazetteer import demo_records
from veche.triage.address_eval import address_match_rates, parse_gold, same_house
from veche.triage.gazetteer import (
    DEMO_GAZETTEER,
    Gazetteer,
    RecordKind,
    load_gazetteer,
    write_gazetteer,
)
from veche.triage.places import AddressGuess, PlaceKind, PlaceMention, best_address, extract_places


def summary(mention: PlaceMention) -> tuple[str, ...]:
    if mention.kind == PlaceKind.STREET_ADDRESS:
        return (
            "street",
            mention.street_name,
            mention.house,
            mention.building,
            mention.letter,
            mention.settlement,
        )
    if mention.kind == PlaceKind.SETTLEMENT:
        return ("settlement", mention.settlement)
    return ("landmark", mention.landmark, mention.settlement)


CASES = [
    (
        "Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор.",
        [("street", "улица Ленина", "5", "", "", "")],
    ),
    (
        "На Мебельной улице не горят фонари от перекрёстка до остановки.",
        [("street", "Мебельная улица", "", "", "", ""), ("landmark", "остановка", "")],
    ),
    (
        "По улице Ленина ездят грузовики, разбили весь асфальт.",
        [("street", "улица Ленина", "", "", "", "")],
    ),
    (
        "Прошу отремонтировать крышу, адрес: ул. Садовая, д. 14а, кв. 3.",
        [("street", "Садовая улица", "14а", "", "", "")],
    ),
    ("Ленина 5, второй подъезд, не работает домофон.", [("street", "Ленина", "5", "", "", "")]),
    ("в доме 12 по Советской улице течёт крыша", [("street", "Советская улица", "12", "", "", "")]),
    (
        "пр. Ветеранов, д. 47 к.1 — в подвале вода",
        [("street", "проспект Ветеранов", "47", "1", "", "")],
    ),
    (
        "Пулковское ш., д.15/2, 4-я парадная: сломана дверь.",
        [("street", "Пулковское шоссе", "15/2", "", "", "")],
    ),
    (
        "Яма на проезжей части Московского проспекта у дома 180.",
        [("street", "Московский проспект", "180", "", "", "")],
    ),
    (
        "Искровский проспект, д. 3, корп. 2, лит. Д, парадная 8, нет света.",
        [("street", "Искровский проспект", "3", "2", "Д", "")],
    ),
    (
        "На 5-й Красноармейской улице, дом 11, сосульки над входом.",
        [("street", "5-я Красноармейская улица", "11", "", "", "")],
    ),
    (
        "В д. Минцы у дома 7 упал столб.",
        [("settlement", "д. Минцы"), ("street", "", "7", "", "", "д. Минцы")],
    ),
    (
        "С. Каменка, ул. Центральная, д. 3 — нет воды вторые сутки.",
        [("settlement", "с. Каменка"), ("street", "Центральная улица", "3", "", "", "с. Каменка")],
    ),
    (
        "В пос. Лесной на ул. Школьной не убирают снег.",
        [("settlement", "п. Лесной"), ("street", "Школьная улица", "", "", "", "п. Лесной")],
    ),
    (
        "В посёлке Лесном у магазина огромная лужа.",
        [("settlement", "п. Лесной"), ("landmark", "магазин", "п. Лесной")],
    ),
    ("Жители деревни Горелово просят отсыпать дорогу.", [("settlement", "д. Горелово")]),
    (
        "В селе Никольском на улице Полевой, дом 2 упало дерево.",
        [
            ("settlement", "с. Никольское"),
            ("street", "Полевая улица", "2", "", "", "с. Никольское"),
        ],
    ),
    ("На участке в СНТ «Ромашка» нет электричества.", [("settlement", "СНТ «Ромашка»")]),
    (
        "г. Краснолесск, ул. Мира, д. 8, строение 2, протечка.",
        [("settlement", "г. Краснолесск"), ("street", "улица Мира", "8", "", "", "г. Краснолесск")],
    ),
    ("У школы №2 разбит тротуар.", [("landmark", "школа № 2", "")]),
    ("Возле детского сада № 15 не горит фонарь.", [("landmark", "детский сад № 15", "")]),
    ("Около больницы нет пешеходного перехода.", [("landmark", "больница", "")]),
    ("На парковке ТЦ «Радуга» не убирают снег.", [("landmark", "ТЦ «Радуга»", "")]),
    ("На остановке «Площадь Мира» разбито стекло.", [("landmark", "остановка «Площадь Мира»", "")]),
    (
        "Во дворе дома 3 по ул. Мира и у дома 10 по ул. Гагарина не вывезен мусор.",
        [("street", "улица Мира", "3", "", "", ""), ("street", "улица Гагарина", "10", "", "", "")],
    ),
    ("Благодарю за оперативную работу, всё сделали.", []),
    ("Прошу проверить начисления за отопление за январь.", []),
    (
        "Переулок Почтовый, 4: упала ветка на провода.",
        [("street", "Почтовый переулок", "4", "", "", "")],
    ),
    ("на улице холодно, в квартире +15", []),
    (
        "Микрорайон Лесозаводской, дом 9, подвал затоплен.",
        [("street", "Лесозаводской микрорайон", "9", "", "", "")],
    ),
    (
        "По адресу 15-я линия В.О., д. 22 граффити на фасаде.",
        [("street", "15-я линия", "22", "", "", "")],
    ),
    (
        "дом 11 корпус 2 литера А по Дальневосточному пр. — нет горячей воды",
        [("street", "Дальневосточный проспект", "11", "2", "А", "")],
    ),
    ("В Заовражье у дома 12 упало дерево.", [("street", "", "12", "", "", "")]),
    (
        "Наледь на тротуаре по бульвару Новаторов у дома 110.",
        [("street", "бульвар Новаторов", "110", "", "", "")],
    ),
    (
        "По набережной реки Фонтанки, 89 кондиционер на фасаде.",
        [("street", "набережная реки Фонтанки", "89", "", "", "")],
    ),
    ("На площади Победы не работает фонтан.", [("street", "площадь Победы", "", "", "", "")]),
    (
        "На ул. Чайковского, д. 5 сбита табличка.",
        [("street", "улица Чайковского", "5", "", "", "")],
    ),
    ("у дома 4 на Сосновой ул. разрыт газон", [("street", "Сосновая улица", "4", "", "", "")]),
    ("Лиговский 212 в, решетка на окне.", [("street", "Лиговский", "212в", "", "", "")]),
    (
        "Грязь в парадной дома по проспекту Народного ополчения, 51.",
        [("street", "проспект Народного ополчения", "51", "", "", "")],
    ),
    ("Около стадиона «Лесник» сломаны скамейки.", [("landmark", "стадион «Лесник»", "")]),
    ("В районе старого кладбища свалка.", [("landmark", "старое кладбище", "")]),
    ("Пер. Банный 3а — течёт труба в подвале.", [("street", "Банный переулок", "3а", "", "", "")]),
    ("В 2020 г. Дом обещали отремонтировать и т.д. Прошу ответить.", []),
    (
        "Во дворе дома 6 на Садовой улице нет освещения.",
        [("street", "Садовая улица", "6", "", "", "")],
    ),
    (
        "Проблема на ул.Мебельной д.47 к.1 в парадной 2.",
        [("street", "Мебельная улица", "47", "1", "", "")],
    ),
    (
        "В городе Краснолесске на улице Строителей нет тротуара.",
        [
            ("settlement", "г. Краснолесск"),
            ("street", "улица Строителей", "", "", "", "г. Краснолесск"),
        ],
    ),
    ("Аллея Славы, 2 — сломаны скамейки.", [("street", "аллея Славы", "2", "", "", "")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_extract_places_finds_and_normalises_places(text, expected):
    assert [summary(m) for m in extract_places(text)] == expected


def test_mention_span_covers_the_words_of_the_address():
    text = "Проблема на ул.Мебельной д.47 к.1 в парадной 2."

    (mention,) = extract_places(text)

    assert text[mention.start : mention.end] == "ул.Мебельной д.47 к.1"


def test_structure_number_is_kept_apart_from_the_house():
    (_, street) = extract_places("г. Краснолесск, ул. Мира, д. 8, строение 2, протечка.")

    assert (street.house, street.structure) == ("8", "2")


def test_house_letter_written_apart_before_punctuation():
    (mention,) = extract_places("ул. Лесная, д. 5 А, кв 3")

    assert (mention.street_name, mention.house) == ("Лесная улица", "5а")


def test_best_address_prefers_a_street_with_a_house_over_a_side_street():
    guess = best_address("Со стороны ул. Лопатина течёт вода, адрес: ул. Мира, д. 7, к. 2")

    assert guess is not None
    assert (guess.street_name, guess.house, guess.building) == ("улица Мира", "7", "2")


def test_best_address_adds_the_settlement_named_elsewhere_in_the_text():
    guess = best_address("Пишу из д. Кузьминки. Возле школы третью неделю не горит фонарь.")

    assert guess is not None
    assert (guess.landmark, guess.settlement) == ("школа", "д. Кузьминки")


def test_best_address_is_none_without_a_place():
    assert best_address("Спасибо большое за помощь, вопрос решён.") is None


def test_extraction_is_fast():
    texts = [t for t, _ in CASES] * 20
    started = time.perf_counter()
    for text in texts:
        extract_places(text)

    assert len(texts) / (time.perf_counter() - started) > 1000


GAZETTEER_CSV = """kind,name,settlement,street,house,lat,lon,territory
settlement,г. Демо,,,,55.0,37.0,Центральный территориальный отдел
settlement,с. Берёзовка,,,,55.2,37.3,Берёзовский территориальный отдел
settlement,д. Малая Берёзовка,,,,55.25,37.35,Берёзовский территориальный отдел
street,ул. Ленина,г. Демо,,,55.01,37.01,
street,ул. Гагарина,г. Демо,,,55.02,37.02,
street,пер. Почтовый,г. Демо,,,,,
street,ул. Школьная,с. Берёзовка,,,55.201,37.301,
street,ул. Школьная,г. Демо,,,55.03,37.03,
house,,г. Демо,ул. Ленина,5а,55.0105,37.0105,
landmark,школа № 2,г. Демо,,,55.04,37.04,
landmark,ФАП,с. Берёзовка,,,55.202,37.302,
"""


@pytest.fixture
def gazetteer(tmp_path: Path) -> Gazetteer:
    path = tmp_path / "places.csv"
    path.write_text(GAZETTEER_CSV, encoding="utf-8")
    return load_gazetteer(path)


def test_match_finds_the_house_despite_a_typo_in_the_street(gazetteer):
    found = gazetteer.match(
        AddressGuess(0, 0, 0.9, street="Ленена", street_type="улица", house="5А")
    )

    assert found is not None
    assert (found.lat, found.lon, found.level) == (55.0105, 37.0105, RecordKind.HOUSE)
    assert found.territory == "Центральный территориальный отдел"
    assert found.name == "г. Демо, ул. Ленина, д. 5а"


def test_match_falls_back_to_the_street_when_the_house_is_unknown(gazetteer):
    found = gazetteer.match(
        AddressGuess(0, 0, 0.9, street="Гагарина", street_type="улица", house="99")
    )

    assert found is not None
    assert (found.lat, found.level, found.unsure) == (55.02, RecordKind.STREET, False)


def test_match_falls_back_to_the_settlement_when_the_street_has_no_point(gazetteer):
    found = gazetteer.match(AddressGuess(0, 0, 0.9, street="Почтовый", street_type="переулок"))

    assert found is not None
    assert (found.lat, found.lon, found.unsure) == (55.0, 37.0, True)


def test_match_reads_e_for_yo_and_prefers_the_named_settlement(gazetteer):
    found = gazetteer.match(
        AddressGuess(0, 0, 0.9, street="Школьная", street_type="улица", settlement="с. Березовка")
    )

    assert found is not None
    assert (found.lat, found.territory, found.unsure) == (
        55.201,
        "Берёзовский территориальный отдел",
        False,
    )


def test_match_is_unsure_when_a_street_name_is_in_two_settlements(gazetteer):
    found = gazetteer.match(AddressGuess(0, 0, 0.9, street="Школьная", street_type="улица"))

    assert found is not None
    assert found.unsure


def test_match_of_a_landmark_needs_the_same_number(gazetteer):
    assert gazetteer.match(AddressGuess(0, 0, 0.7, landmark="школа № 3")) is None
    found = gazetteer.match(AddressGuess(0, 0, 0.7, landmark="школа № 2"))
    assert found is not None
    assert found.level == RecordKind.LANDMARK


def test_match_of_nothing_known_is_none(gazetteer):
    assert gazetteer.match(AddressGuess(0, 0, 0.9, street="Неведомая", street_type="улица")) is None


def test_locate_finds_a_settlement_named_without_its_type(gazetteer):
    found = gazetteer.locate("У нас в Малой Берёзовке второй день нет света")

    assert found is not None
    assert (found.name, found.level) == ("д. Малая Берёзовка", RecordKind.SETTLEMENT)


def test_locate_a_landmark_in_a_village(gazetteer):
    found = gazetteer.locate("В с. Березовка возле ФАПа не чистят снег")

    assert found is not None
    assert (found.lat, found.name) == (55.202, "с. Берёзовка, ФАП")


def test_geojson_gazetteer_reads_the_same_properties(tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [37.5, 55.5]},
            "properties": {"kind": "settlement", "name": "п. Лесной", "territory": "Лесной ТО"},
        }
    ]
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")

    found = load_gazetteer(path).locate("В посёлке Лесном упало дерево")

    assert found is not None
    assert (found.lat, found.lon, found.territory) == (55.5, 37.5, "Лесной ТО")


def test_shipped_demo_gazetteer_is_what_the_generator_writes(tmp_path):
    path = tmp_path / "demo.csv"
    write_gazetteer(demo_records(), path)

    assert path.read_text(encoding="utf-8") == DEMO_GAZETTEER.read_text(encoding="utf-8")


def test_demo_gazetteer_places_a_demo_phrase_in_its_territory():
    found = load_gazetteer(DEMO_GAZETTEER).locate("В Берёзовке на ул. Школьной у дома 5 яма")

    assert found is not None
    assert found.territory == "Берёзовский территориальный отдел"
    assert found.level == RecordKind.STREET


def test_parse_gold_reads_the_portal_address():
    gold = parse_gold("г.Город, 5-я Заводская улица, дом 11/13, корпус 2, литера А")

    assert gold is not None
    assert (gold.street, gold.house, gold.building) == ("5-я Заводская улица", "11/13", "2")


def test_same_house_reads_a_fraction_as_the_building():
    gold = parse_gold("г.Город, Лесное шоссе, дом 15, корпус 2, литера А")

    assert gold is not None
    assert same_house("15/2", "", gold)
    assert not same_house("15/3", "", gold)


def test_address_match_rates_on_synthetic_messages():
    messages = [
        {"text": "Яма у дома 7 по ул. Заводской", "address": "г.Город, Заводская улица, дом 7"},
        {"text": "Заводская ул., д. 9, нет света", "address": "г.Город, Заводская улица, дом 8"},
        {"text": "Пр. Лесной, 3 — мусор", "address": "г.Город, Садовая улица, дом 3"},
        {"text": "Грязно в подъезде", "address": "г.Город, Садовая улица, дом 1"},
        {"text": "Спасибо", "address": ""},
    ]

    rates = address_match_rates(messages)

    assert (rates.messages, rates.with_street, rates.street_right) == (4, 3, 2)
    assert (rates.with_house, rates.house_right) == (3, 1)
    assert rates.coverage == 0.75
    assert rates.street_house_match_rate == pytest.approx(1 / 3)
