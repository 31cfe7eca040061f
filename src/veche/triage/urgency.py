"""Emergencies in a citizen's text, for immediate routing (issue «Triage», item 4).

A rule is a few groups of lemmas that must all occur in one clause, within a few words of each
other, in any order: «пахнет газом», «газом пахнет» and «запах газа» are one rule. Lemmas come
from the cached pymorphy3 normal forms full-text search uses, so inflections need no listing.

Negation, the simple cases: «не» is glued to the next word («не пахнет» → `не_пахнуть`), so a
rule asking for `пахнуть` stays silent on «газом не пахнет», while rules about something missing
ask for the glued form itself («батареи не греют» → `не_греть`). A «нет»/«без» in the clause
that the rule did not use cancels it («нет запаха газа»). A clause about the past («в прошлом
году прорвало трубу») or a sentence that says the trouble was fixed («…, но уже устранили»)
raises nothing; a longer story («прорвало трубу, сейчас всё нормально») is not understood.

The level of a rule may depend on the month: no heating is an emergency in January and nothing
in July; hot water off in summer is the planned maintenance shutdown.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from veche.cases.search import normal_forms

URGENT_LEVEL = 2
MONTHS = range(1, 13)
HEATING_SEASON = frozenset({10, 11, 12, 1, 2, 3, 4})
DEEP_WINTER = frozenset({11, 12, 1, 2, 3})
SUMMER = frozenset({5, 6, 7, 8, 9})


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    label_ru: str
    matched_text: str
    span: tuple[int, int]
    level: int


@dataclass(frozen=True, slots=True)
class Urgency:
    urgent: bool
    level: int
    reasons: list[Reason] = field(default_factory=list)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.replace("ё", "е").split())


def _always(level: int) -> tuple[int, ...]:
    return (level,) * 12


def _in(months: frozenset[int], level: int, otherwise: int = 0) -> tuple[int, ...]:
    return tuple(level if m in months else otherwise for m in MONTHS)


# No heating: an emergency in deep winter, urgent in October and April, nothing in summer.
HEATING = tuple(3 if m in DEEP_WINTER else 2 if m in HEATING_SEASON else 0 for m in MONTHS)
# Hot water off in summer is most likely the planned maintenance shutdown.
HOT_WATER = _in(SUMMER, 1, 2)


@dataclass(frozen=True, slots=True)
class _Rule:
    code: str
    label: str
    levels: tuple[int, ...]  # January … December
    groups: tuple[frozenset[str], ...]
    window: int = 5
    unless: frozenset[str] = frozenset()  # lemmas in the sentence that cancel the rule


def _rule(
    code: str,
    label: str,
    levels: tuple[int, ...],
    *groups: str,
    window: int = 5,
    unless: str = "",
) -> _Rule:
    return _Rule(code, label, levels, tuple(_words(g) for g in groups), window, _words(unless))


ABSENT = (
    "нет без отсутствовать отсутствие отключить отключение отключенный пропасть перекрыть "
    "отрубить вырубить не_быть не_идти не_течь не_бежать не_поступать не_подаваться не_дать "
    "не_работать не_подать не_появиться"
)
HOME = "квартира дом комната помещение жилье спальня детская"
PLACES_ON_FIRE = (
    "дом квартира подъезд подвал чердак крыша здание мусор мусоропровод контейнер бак машина "
    "автомобиль трава сухостой лес сарай гараж проводка щиток щит свалка балкон лифт школа "
    "кабель провод"
)
CHILD = "ребенок малыш школьник мальчик девочка ребята ребятишки подросток детвора"
FALLING = "падать упасть отвалиться отваливаться обвалиться обрушиться рушиться рухнуть валиться"
HYPOTHETICAL = "угроза опасность риск случай случиться"
LAMPS = "свет лампа лампочка освещение плафон светильник фонарь подсветка"
LIGHTING = (
    LAMPS + " парадная подъезд арка коридор вход "
    "холл лестничный лестница этаж двор улица тамбур площадка лифт подвал чердак"
)
STREET_WATER = "тротуар площадка дорога газон двор улица дождь лужа проезд парковка след пятно"
PLASTER = "штукатурка штукатурный плитка краска облицовка"
HOT_WATER_LABEL = "Нет горячей воды"
HEATING_OFF = "не_греть не_топить не_включить не_работать холодный ледяной еле_теплый " + ABSENT

RULES: tuple[_Rule, ...] = (
    _rule("gas", "Запах газа", _always(3), "газ", "пахнуть запах вонять вонь утечка травить"),
    _rule("gas", "Запах газа", _always(3), "загазованность загазовать"),
    _rule(
        "fire",
        "Пожар или дым",
        _always(3),
        "пожар возгорание задымление загорание пламя",
        unless=HYPOTHETICAL + " после безопасность",
    ),
    _rule(
        "fire",
        "Пожар или дым",
        _always(3),
        "гореть загореться полыхать тлеть",
        PLACES_ON_FIRE,
        unless=LAMPS,
    ),
    _rule("fire", "Пожар или дым", _always(3), "дым дымить задымить огонь", PLACES_ON_FIRE),
    _rule("fire", "Пожар или дым", _always(3), "гарь"),
    _rule(
        "wires",
        "Оборванные или искрящие провода",
        _always(3),
        "провод кабель проводка",
        "оборвать оборванный оборваться обрыв порвать порванный упасть лежать земля оголить "
        "оголенный искрить",
    ),
    _rule("wires", "Оборванные или искрящие провода", _always(3), "искрить искрение"),
    _rule(
        "wires",
        "Оборванные или искрящие провода",
        _always(3),
        "искра",
        "провод щиток щит розетка столб кабель проводка",
    ),
    _rule("wires", "Удар током", _always(3), "бить ударить удар ударять биться", "ток"),
    _rule("wires", "Упала опора ЛЭП", _always(3), "столб опора", "упасть рухнуть повалить"),
    _rule(
        "child_danger",
        "Ребёнок в опасности",
        _always(3),
        CHILD,
        "застрять провалиться тонуть утонуть лед люк заблудиться запереть",
    ),
    _rule(
        "child_danger",
        "Открытый люк рядом с детьми",
        _always(3),
        "люк колодец",
        "открытый открыть без нет",
        "школа садик сад площадка " + CHILD,
        window=10,
    ),
    _rule("open_manhole", "Открытый люк", _always(2), "люк колодец", "открытый открыть без нет"),
    _rule("stuck_lift", "Люди застряли в лифте", _always(2), "застрять", "лифт"),
    _rule(
        "flooding",
        "Затопление",
        _always(2),
        "затопить потоп затопление подтопление подтопить",
        unless=STREET_WATER,
    ),
    _rule(
        "flooding",
        "Затопление",
        _always(2),
        "прорвать прорыв порыв лопнуть разорвать",
        "труба стояк батарея радиатор водопровод отопление",
    ),
    _rule(
        "flooding",
        "Затопление",
        _always(2),
        "течь капать литься лить хлестать протекать протечь протечка",
        "потолок",
        unless=STREET_WATER,
    ),
    _rule(
        "flooding",
        "Затопление",
        _always(2),
        "заливать залить",
        "квартира сосед подвал подъезд потолок вода кипяток",
    ),
    _rule(
        "boiling_water",
        "Прорыв горячей воды",
        _always(3),
        "кипяток",
        "хлестать бить течь литься фонтан прорвать заливать залить",
    ),
    _rule(
        "collapse",
        "Обрушение",
        _always(3),
        "обрушение обрушиться рухнуть обвал обвалиться",
        unless=PLASTER,
    ),
    _rule("collapse", "Трещина в несущей стене", _always(3), "трещина", "несущий"),
    _rule(
        "falling_parts",
        "Падают элементы здания",
        _always(3),
        "балкон козырек карниз плита перекрытие",
        FALLING,
    ),
    _rule(
        "crack",
        "Трещина в стене",
        _always(1),
        "трещина разлом",
        "стена фундамент перекрытие фасад",
    ),
    _rule("falling_parts", "Падают кирпичи", _always(2), "кирпич фасад", FALLING),
    _rule(
        "falling_plaster",
        "Отваливается штукатурка или плитка",
        _always(1),
        PLASTER,
        FALLING + " сыпаться осыпаться обвал обрушение",
    ),
    _rule("icicles", "Сосульки или наледь над тротуаром", _always(2), "сосулька наледь"),
    _rule(
        "icicles",
        "Сосульки или наледь над тротуаром",
        _always(2),
        "лед глыба снег",
        "крыша козырек карниз",
        FALLING + " свисать висеть сход сходить сорваться",
        window=8,
    ),
    _rule(
        "no_heating",
        "Нет отопления",
        HEATING,
        "отопление батарея радиатор",
        HEATING_OFF,
        unless="заглушка вентиль кран возможность регулировать терморегулятор покраска",
    ),
    _rule("no_heating", "Нет отопления", HEATING, "не_топить"),
    _rule("no_heating", "Нет отопления", HEATING, "холодно холод мерзнуть замерзать дубак", HOME),
    _rule(
        "no_electricity",
        "Нет электричества",
        _in(HEATING_SEASON, 2, 1),
        "свет электричество электроэнергия электроснабжение",
        ABSENT + " обесточить",
        unless=LIGHTING,
    ),
    _rule("no_electricity", "Нет электричества", _in(HEATING_SEASON, 2, 1), "обесточить"),
    _rule(
        "no_water",
        "Нет воды",
        _always(2),
        "вода водоснабжение хвс",
        ABSENT,
        unless="напор циркуляция полотенцесушитель",
    ),
    _rule("no_hot_water", HOT_WATER_LABEL, HOT_WATER, "гвс", ABSENT, unless="напор циркуляция"),
)

TOKEN = re.compile(r"[0-9a-zа-яё]+(?:-[a-zа-яё]+)?|[.!?;\n]|[,:()—–]", re.IGNORECASE)
SENTENCE_END = frozenset(".!?;\n")
CLAUSE_BREAK = frozenset(",:()—–") | {"а", "но", "однако", "зато"}
NEGATIONS = frozenset({"нет", "без", "никакой"})
PAST = frozenset({"прошлый", "назад", "раньше", "позапрошлый", "когда-то", "прежде"})
FIXED = frozenset({"устранить", "починить", "отремонтировать", "восстановить", "заварить"})
HOT = frozenset({"горячий", "гвс"})
COLD = frozenset({"холодный", "хвс"})
# «в квартире +14», «дома 15 градусов», «+12° в комнате»; not «на улице −20» nor «у дома 5»
_INDOORS = r"(?:в\s+(?:квартире|комнате|комнатах|доме|помещении|детской|спальне)|дома)"
_DEGREES = r"(?:[.,]\d)?\s*(?:°\s*[сc]?|градус\w*)"
INDOOR_TEMPERATURE = re.compile(
    rf"{_INDOORS}[^.!?\n\d+−-]{{0,25}}?(?:([+−-]\s?\d{{1,2}})(?:[.,]\d)?(?:{_DEGREES})?"
    rf"|(\d{{1,2}}){_DEGREES})"
    rf"|(?<![\d\w])([+−-]\s?\d{{1,2}}(?:[.,]\d)?(?:{_DEGREES})?|\d{{1,2}}{_DEGREES})"
    rf"\s+{_INDOORS}",
    re.IGNORECASE,
)
NORMAL_INDOOR = 18  # °C, the sanitary minimum for a living room


@dataclass(slots=True)
class _Token:
    lemmas: frozenset[str]
    start: int
    end: int
    sentence: int
    clause: int


def assess_urgency(text: str, *, month: int) -> Urgency:
    """The emergencies the text describes, for the given month (1–12) of the report."""
    if month not in MONTHS:
        raise ValueError(f"month must be 1–12, not {month}")
    tokens = _tokens(text)
    index: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        for lemma in token.lemmas:
            index.setdefault(lemma, []).append(i)
    reasons = [r for rule in RULES for r in _matches(rule, tokens, index, text, month)]
    reasons += _cold_flat(text, month)
    reasons = _strongest(reasons)
    level = max((r.level for r in reasons), default=0)
    return Urgency(urgent=level >= URGENT_LEVEL, level=level, reasons=reasons)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    sentence = clause = 0
    pending_not: int | None = None
    for m in TOKEN.finditer(text):
        word = m.group().lower().replace("ё", "е")
        if word in SENTENCE_END:
            sentence, clause, pending_not = sentence + 1, clause + 1, None
            continue
        if word in CLAUSE_BREAK:
            clause, pending_not = clause + 1, None
            continue
        if word == "не":
            pending_not = m.start()
            continue
        lemmas = _lemmas(word)
        start = m.start()
        if pending_not is not None:
            lemmas = frozenset(f"не_{lemma}" for lemma in lemmas)
            start, pending_not = pending_not, None
        tokens.append(_Token(lemmas, start, m.end(), sentence, clause))
    return tokens


@lru_cache(maxsize=100_000)
def _lemmas(word: str) -> frozenset[str]:
    return frozenset(normal_forms(word))


def _matches(
    rule: _Rule, tokens: list[_Token], index: dict[str, list[int]], text: str, month: int
) -> Iterable[Reason]:
    level = rule.levels[month - 1]
    if level == 0:
        return
    anchor, *others = rule.groups
    if any(not any(lemma in index for lemma in group) for group in rule.groups):
        return
    for i in sorted({i for lemma in anchor for i in index.get(lemma, ())}):
        used = [i]
        for group in others:
            j = _nearest(tokens, i, group, rule.window, used)
            if j is None:
                break
            used.append(j)
        else:
            if _cancelled(rule, tokens, used):
                continue
            start, end = tokens[min(used)].start, tokens[max(used)].end
            code, label, level = _refine(rule, tokens, used, month, level)
            yield Reason(code, label, text[start:end], (start, end), level)


def _nearest(
    tokens: list[_Token], i: int, group: frozenset[str], window: int, used: list[int]
) -> int | None:
    clause = tokens[i].clause
    for distance in range(1, window + 1):
        for j in (i - distance, i + distance):
            if (
                0 <= j < len(tokens)
                and j not in used
                and tokens[j].clause == clause
                and tokens[j].lemmas & group
            ):
                return j
    return None


def _cancelled(rule: _Rule, tokens: list[_Token], used: list[int]) -> bool:
    first, last = min(used), max(used)
    clause, sentence = tokens[first].clause, tokens[first].sentence
    in_clause = [k for k, t in enumerate(tokens) if t.clause == clause]
    near = [k for k in in_clause if first - 2 <= k <= last + 2 and k not in used]
    about_absence = any(group & NEGATIONS for group in rule.groups)
    if not about_absence and any(tokens[k].lemmas & NEGATIONS for k in near):
        return True
    if any(tokens[k].lemmas & PAST for k in in_clause):
        return True
    in_sentence = [t for t in tokens if t.sentence == sentence]
    if any(t.lemmas & rule.unless for t in in_sentence):
        return True
    return any(t.lemmas & FIXED for t in in_sentence if t.start > tokens[last].start)


def _refine(
    rule: _Rule, tokens: list[_Token], used: list[int], month: int, level: int
) -> tuple[str, str, int]:
    """«Нет воды» becomes «нет горячей воды» (planned in summer) when only hot water is named."""
    if rule.code != "no_water":
        return rule.code, rule.label, level
    clause = tokens[used[0]].clause
    lemmas = frozenset().union(*(t.lemmas for t in tokens if t.clause == clause))
    if lemmas & HOT and not lemmas & COLD:
        return "no_hot_water", HOT_WATER_LABEL, HOT_WATER[month - 1]
    return rule.code, rule.label, level


def _cold_flat(text: str, month: int) -> list[Reason]:
    level = HEATING[month - 1]
    if level == 0:
        return []
    reasons = []
    for m in INDOOR_TEMPERATURE.finditer(text):
        found = next(g for g in m.groups() if g)
        raw = re.match(r"[+−-]?\s?\d+", found)
        if raw and int(raw.group().replace("−", "-").replace(" ", "")) < NORMAL_INDOOR:
            reasons.append(Reason("no_heating", "Холодно в квартире", m.group(), m.span(), level))
    return reasons


def _strongest(reasons: list[Reason]) -> list[Reason]:
    """Drop a reason that overlaps a stronger (or an equal, earlier) one; keep text order."""
    kept: list[Reason] = []
    for r in sorted(reasons, key=lambda r: (-r.level, r.span)):
        if not any(r.span[0] < k.span[1] and k.span[0] < r.span[1] for k in kept):
            kept.append(r)
    return sorted(kept, key=lambda r: r.span)
