"""Emergencies found in citizens' texts (veche.triage.urgency)."""

import pytest

from veche.triage.urgency import assess_urgency

JANUARY, APRIL, JULY = 1, 4, 7


def codes(text: str, month: int = JANUARY) -> list[str]:
    return [r.code for r in assess_urgency(text, month=month).reasons]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("В подъезде сильно пахнет газом, жильцы боятся заходить", "gas"),
        ("Газом пахнет у мусоропровода на третьем этаже", "gas"),
        ("Чувствуется запах газа возле котельной", "gas"),
        ("Оборван провод у остановки, висит до самого тротуара", "wires"),
        ("После ветра провода лежат на земле возле детской площадки", "wires"),
        ("В щитке на лестнице искрит и трещит", "wires"),
        ("Соседи сверху затопили, с потолка течёт вода", "flooding"),
        ("В подвале прорвало трубу, подвал затоплен", "flooding"),
        ("Дети катаются на льду на пруду, лёд тонкий", "child_danger"),
        ("Открытый люк прямо у ворот школы, дети ходят мимо", "child_danger"),
        ("Ребёнок застрял в лифте, диспетчер не отвечает", "child_danger"),
        ("Горит мусорный контейнер во дворе", "fire"),
        ("В подъезде дым, пахнет гарью", "fire"),
        ("Трещина в несущей стене стала шире за неделю", "collapse"),
        ("Балкон на пятом этаже вот-вот упадёт", "falling_parts"),
        ("Над тротуаром висят огромные сосульки", "icicles"),
        ("Нет воды уже вторые сутки", "no_water"),
        ("Третий день нет холодной воды", "no_water"),
        ("Во всём доме нет электричества с утра", "no_electricity"),
    ],
)
def test_finds_emergency(text: str, code: str) -> None:
    assert code in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "Нет отопления в квартире",
        "Батареи холодные уже неделю",
        "Батареи совсем не греют, дети мёрзнут",
        "В квартире +12, на улице минус двадцать",
        "Дома 15 градусов, дети болеют",
    ],
)
def test_no_heating_in_winter_is_an_emergency(text: str) -> None:
    urgency = assess_urgency(text, month=JANUARY)

    assert urgency.urgent
    assert urgency.level == 3
    assert {r.code for r in urgency.reasons} == {"no_heating"}


def test_no_heating_in_summer_is_not_urgent() -> None:
    assert assess_urgency("Батареи холодные", month=JULY).level == 0


def test_no_heating_in_april_is_urgent_but_not_an_emergency() -> None:
    assert assess_urgency("Батареи холодные", month=APRIL).level == 2


def test_hot_water_off_in_summer_is_planned_maintenance() -> None:
    summer = assess_urgency("Нет горячей воды с понедельника", month=JULY)
    winter = assess_urgency("Нет горячей воды с понедельника", month=JANUARY)

    assert (summer.urgent, summer.level, summer.reasons[0].code) == (False, 1, "no_hot_water")
    assert (winter.urgent, winter.level) == (True, 2)


def test_cold_water_off_in_summer_stays_urgent() -> None:
    assert assess_urgency("Нет холодной воды", month=JULY).level == 2


def test_reason_carries_the_words_that_triggered_it() -> None:
    text = "Добрый день. Во втором подъезде пахнет газом!"

    (reason,) = assess_urgency(text, month=JULY).reasons

    assert reason.matched_text == "пахнет газом"
    assert text[reason.span[0] : reason.span[1]] == "пахнет газом"
    assert reason.label_ru == "Запах газа"


@pytest.mark.parametrize(
    "text",
    [
        "Газом не пахнет, просто проверьте плиту",
        "Не пахнет газом, всё в порядке",
        "Нет запаха газа, приходил газовщик",
        "В прошлом году прорвало трубу, сейчас всё нормально",
        "Прорвало трубу, но аварийная служба уже устранила",
        "Фонарь горит днём, а ночью не горит",
        "В подъезде нет света на третьем этаже",
        "Яма на дороге у дома 5, просим заделать",
        "Отваливается краска на лавочке",
        "Просим покосить траву на газоне",
    ],
)
def test_no_false_alarm(text: str) -> None:
    assert assess_urgency(text, month=JANUARY).level < 2


def test_an_ordinary_complaint_raises_nothing() -> None:
    urgency = assess_urgency("Во дворе не вывозят мусор вторую неделю", month=JANUARY)

    assert (urgency.urgent, urgency.level, urgency.reasons) == (False, 0, [])


def test_month_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="month"):
        assess_urgency("Пахнет газом", month=13)
