"""Negativity, obscene words and threats in citizens' texts (veche.triage.mood)."""

import pytest

from veche.triage.mood import assess_mood, find_obscene, find_threats

CALM = "Добрый день. Прошу заменить лампочку в третьем подъезде дома 12 по улице Садовой."
ANGRY = "Сколько можно?! Это полный беспредел и позор, УК опять ничего не делает!!!"


def test_calm_request_is_not_negative() -> None:
    mood = assess_mood(CALM)

    assert mood.negativity < 0.1
    assert (mood.aggressive, mood.obscene, mood.threats) == (False, [], [])


def test_outrage_scores_high() -> None:
    mood = assess_mood(ANGRY)

    assert mood.negativity > 0.8
    assert mood.aggressive


def test_negativity_grows_with_outrage() -> None:
    mild = assess_mood("Опять не убрали мусор, это неприятно.").negativity
    strong = assess_mood("Опять не убрали мусор! Безобразие! Сколько можно терпеть?!").negativity

    assert 0 < mild < strong <= 1


def test_capitals_and_exclamations_count() -> None:
    quiet = assess_mood("опять нет воды во всём доме").negativity
    loud = assess_mood("ОПЯТЬ НЕТ ВОДЫ ВО ВСЁМ ДОМЕ!!!").negativity

    assert loud > quiet


def test_insult_makes_a_message_aggressive() -> None:
    assert assess_mood("В управляющей компании одни бездельники и идиоты").aggressive


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Это х*йня, а не ремонт", "х*йня"),
        ("Где, бл*дь, обещанный ремонт?", "бл*дь"),
        ("Опять эта бляяя яма", "бляяя"),
        ("Полный пи3дец во дворе", "пи3дец"),
        ("хyйня какая-то с этим асфальтом", "хyйня"),
        ("Заебали уже со своими отписками", "Заебали"),
        ("Ну нахуй такую работу", "нахуй"),
        ("Это просто п.и.з.д.е.ц", "п.и.з.д.е.ц"),
    ],
)
def test_finds_obscene_words_in_disguise(text: str, word: str) -> None:
    assert [s.text for s in find_obscene(text)] == [word]


def test_obscene_span_points_into_the_text() -> None:
    text = "Где, бл*дь, ремонт?"

    (span,) = assess_mood(text).obscene

    assert text[span.start : span.end] == "бл*дь"


@pytest.mark.parametrize(
    "text",
    [
        "Прошу не оскорблять жильцов и употреблять вежливые слова",
        "Команда дворников приходит раз в неделю",
        "Не хочется хлебать грязную воду из-под крана",
        "Страхуем дом, а ремонта нет; колебание напряжения в сети",
        "Небо чистое, но себе мы такой двор не хотим",
        "Вебинар для председателей ТСЖ, цена рубля и корабля",
        "Хулиганы разбили худой забор, мудрый сосед похуже ремонт сделал",
        "Ухудшение состояния бледного фасада",
        "*Безопасно ли крепление конструкции?",
        "Пишите на ivanov@mail.ru",
    ],
)
def test_ordinary_words_are_not_obscene(text: str) -> None:
    assert find_obscene(text) == []


@pytest.mark.parametrize(
    ("text", "threat"),
    [
        ("Если не сделаете, я вашу контору сожгу", "сожгу"),
        ("Ещё раз отключите воду — убью этого начальника", "убью"),
        ("Взорвём эту управляющую компанию", "Взорвём"),
        ("Приду с ружьём и разберусь сам", "Приду с ружьём"),
        ("Я готов убить этого сантехника", "готов убить"),
        ("Вам не жить, если не почините", "Вам не жить"),
        ("Мы будем стрелять", "будем стрелять"),
    ],
)
def test_finds_threats(text: str, threat: str) -> None:
    mood = assess_mood(text)

    assert [s.text for s in mood.threats] == [threat]
    assert mood.aggressive


@pytest.mark.parametrize(
    "text",
    [
        "Подам в суд на управляющую компанию",
        "Обращусь в прокуратуру и напишу губернатору",
        "Буду жаловаться в жилищную инспекцию",
        "Хулиганы сожгли мусорный бак",
        "Я не убью на это ещё один год, решите вопрос",
        "Соседи взорвали петарды ночью",
    ],
)
def test_legal_steps_and_reports_are_not_threats(text: str) -> None:
    assert find_threats(text) == []
