"""How angry a message is: negativity, obscene words, threats (issue «Triage», item 5).

No offline Russian sentiment model ships on PyPI (NLP.md), so negativity is a lexicon score:
evaluative words («безобразие», «беспредел», «позор»), stronger after an intensifier («полный
бардак»), rhetorical formulas («сколько можно», «куда смотрит»), «!» and «?!», words in capitals,
insults; damped by length, so a long calm letter with one «ужасно» stays low, and squashed to 0–1.

Obscene words are found by roots from `data/obscene.txt` after undoing the usual disguises
(Latin and digit look-alikes, «х*й», «х.у.й», «бляяя»); roots that hide inside ordinary words
are matched only at the start of a word or after a prefix («оскорблять», «хлебать», «команда»
stay clean).

A threat is a first-person promise of violence («сожгу», «убью», «взорвём», «приду с
ружьём»), or an infinitive after «хочу/буду/готов», or a set formula («вам не жить»). Legal
steps («подам в суд», «обращусь в прокуратуру») are rights, not threats, and are not listed.
"""

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from veche.cases.search import morph, normal_forms

DATA = Path(__file__).with_name("data") / "obscene.txt"
AGGRESSIVE_SCORE = 0.8


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Mood:
    negativity: float
    aggressive: bool
    obscene: list[Span]
    threats: list[Span]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _weights(spec: str) -> dict[str, float]:
    """«1.5: безобразие беспредел; 1: ужас» → {lemma: weight}."""
    weights: dict[str, float] = {}
    for part in spec.split(";"):
        weight, _, words = part.partition(":")
        weights |= dict.fromkeys(words.replace("ё", "е").split(), float(weight))
    return weights


NEGATIVE = _weights(
    "1.5: безобразие беспредел позор позорище издевательство издеваться глумиться наглость "
    "зажраться дармоед разруха;"
    "1.2: произвол бардак кошмар отвратительный омерзительный мерзкий наплевательский "
    "наплевательство хамство хамский бездарный бездарность возмутительный воровать ворюга "
    "жулик мошенник футболить беззаконие свинарник помойка надоесть задолбать достать;"
    "1: ужас ужасный ужасно безответственный безответственность бездействие бездействовать "
    "халатность отписка некомпетентный некомпетентность вранье врать лгать ложь коррупция "
    "разворовать распил возмущать возмущение возмущенный невыносимый стыдно стыд наглый "
    "катастрофа бездельник лентяй плевать игнорировать проигнорировать безобразный хамить "
    "обнаглеть беспомощный вопиющий;"
    "0.8: бесполезный бесполезно безразличие равнодушие обман обмануть мучиться устать "
    "преступный преступление нарушение;"
    "0.5: невозможно терпеть страдать совесть опять снова постоянно вечно"
)
INSULTS = _set(
    "идиот дебил кретин урод тварь скотина сволочь мразь гад козел ублюдок придурок дурак "
    "тупица быдло паразит негодяй подонок упырь нелюдь дегенерат имбецил олигофрен кровопийца "
    "тупой"
)
INTENSIFIERS = _set(
    "очень совсем абсолютно вообще полностью совершенно крайне полный сплошной жуткий дикий "
    "страшный чудовищный невероятный настоящий такой просто реально"
)
FORMULAS = re.compile(
    r"сколько\s+(?:можно|(?:ещ[её]\s+)?(?:ждать|терпеть))|до\s+каких\s+пор|доколе|"
    r"куда\s+смотр\w+|когда\s+(?:же\s+)?(?:это\s+)?(?:законч|прекрат|кончит)\w*|"
    r"ни\s+стыда|нет\s+слов|руки\s+опускаются|что\s+за\s+(?:безобраз|бардак|беспредел|издевател)|"
    r"за\s+что\s+мы\s+платим|вам\s+(?:вс[её]\s+)?(?:равно|плевать|наплевать)|"
    r"сколько\s+раз\s+(?:можно|нужно|надо)",
    re.IGNORECASE,
)
RHETORICAL = re.compile(r"\?\s*!|!\s*\?")
EXCLAMATIONS = re.compile(r"!+")
CAPS_WORD = re.compile(r"\b[А-ЯЁ]{4,}\b")
ABBREVIATIONS = frozenset({"ГИБДД", "УФАС", "ФГУП", "МУП", "ГУП", "ЖКХ"})
WORD = re.compile(r"[а-яёa-z0-9]+(?:-[а-яёa-z]+)?", re.IGNORECASE)

THREAT_VERBS = _set(
    "убить прибить пришибить зарезать прирезать застрелить пристрелить перестрелять задушить "
    "придушить покалечить искалечить сжечь поджечь спалить взорвать подорвать заминировать "
    "замочить грохнуть закопать урыть порешить перебить избить отомстить уничтожить убивать "
    "жечь поджигать взрывать стрелять резать расстрелять разнести разгромить"
)
INTENT = _set("хотеть собираться готовый быть пойти прийти начать")
COMING = _set("прийти заявиться явиться нагрянуть приехать")
WEAPONS = _set(
    "оружие ружье автомат пистолет обрез карабин дробовик топор нож бита канистра бензин вилы "
    "граната бомба взрывчатка арматура молотов"
)
THREAT_FORMULAS = re.compile(
    r"вам\s+(?:вс[её]м\s+)?не\s+жить|(?:вам|тебе)\s+(?:вс[её]м\s+)?(?:конец|крышка|хана)|"
    r"кровью\s+(?:умоет|ответ|заплат)\w*|пожалеете,?\s+что\s+родились|"
    r"(?:найду|найд[её]м)\s+(?:вас|тебя|где\s+(?:ты|вы)\s+живе\w+)|"
    r"голов\w*\s+(?:оторву|оторв[её]м|сверну|открутим?)|ноги\s+(?:переломаю|повыдергиваю)|"
    r"(?:устро|сдела)\w+\s+(?:вам\s+)?теракт",
    re.IGNORECASE,
)


def assess_mood(text: str) -> Mood:
    matches = list(WORD.finditer(text))
    words = [(m, _lemmas(m.group())) for m in matches]
    obscene = find_obscene(text)
    threats = _threats(text, matches)
    insults = sum(1 for _, lemmas in words if lemmas & INSULTS)
    raw = _lexicon_score(words) + _style_score(text, len(words))
    raw += 1.0 * len(obscene) + 1.5 * insults + 2.0 * len(threats)
    damped = raw / math.sqrt(max(1.0, len(words) / 30))
    negativity = round(1 - math.exp(-damped / 2.5), 3)
    aggressive = bool(threats or obscene or insults) or negativity >= AGGRESSIVE_SCORE
    return Mood(negativity, aggressive, obscene, threats)


def _lexicon_score(words: list[tuple[re.Match[str], frozenset[str]]]) -> float:
    score = 0.0
    for i, (_, lemmas) in enumerate(words):
        weight = max((NEGATIVE.get(lemma, 0.0) for lemma in lemmas), default=0.0)
        if weight and any(words[k][1] & INTENSIFIERS for k in range(max(0, i - 2), i)):
            weight *= 1.5
        score += weight
    return score


def _style_score(text: str, n_words: int) -> float:
    score = 1.5 * len(FORMULAS.findall(text)) + 0.6 * len(RHETORICAL.findall(text))
    for run in EXCLAMATIONS.findall(text):
        score += 0.3 if len(run) == 1 else 0.6
    caps = [w for w in CAPS_WORD.findall(text) if w not in ABBREVIATIONS]
    if n_words and caps:
        score += min(2.0, 4 * len(caps) / n_words)
    return score


@lru_cache(maxsize=100_000)
def _lemmas(word: str) -> frozenset[str]:
    return frozenset(normal_forms(word))


@lru_cache(maxsize=100_000)
def _first_person_or_infinitive(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """The lemmas of the word read as a 1st-person verb, and read as an infinitive."""
    first, infinitive = set(), set()
    for p in morph().parse(word.lower()):
        lemma = str(p.normal_form).replace("ё", "е")
        if "VERB" in p.tag and "1per" in p.tag:
            first.add(lemma)
        elif "INFN" in p.tag:
            infinitive.add(lemma)
    return frozenset(first), frozenset(infinitive)


def find_threats(text: str) -> list[Span]:
    return _threats(text, list(WORD.finditer(text)))


def _threats(text: str, words: list[re.Match[str]]) -> list[Span]:
    spans = [Span(m.start(), m.end(), m.group()) for m in THREAT_FORMULAS.finditer(text)]
    for i, m in enumerate(words):
        if i and words[i - 1].group().lower() == "не":
            continue
        first, infinitive = _first_person_or_infinitive(m.group())
        if first & THREAT_VERBS:
            spans.append(_span(text, words, i, i))
        elif first & COMING:
            weapon = next((k for k in range(i + 1, i + 5) if _is(words, k, WEAPONS)), None)
            if weapon is not None:
                spans.append(_span(text, words, i, weapon))
        elif infinitive & THREAT_VERBS:
            intent = next((k for k in range(max(0, i - 2), i) if _intent(words, k)), None)
            if intent is not None:
                spans.append(_span(text, words, intent, i))
    return _disjoint(spans)


def _is(words: list[re.Match[str]], k: int, lemmas: frozenset[str]) -> bool:
    return k < len(words) and bool(_lemmas(words[k].group()) & lemmas)


def _intent(words: list[re.Match[str]], k: int) -> bool:
    first, _ = _first_person_or_infinitive(words[k].group())
    return bool(first & INTENT) or _is(words, k, frozenset({"готовый"}))


def _span(text: str, words: list[re.Match[str]], i: int, j: int) -> Span:
    start, end = words[i].start(), words[j].end()
    return Span(start, end, text[start:end])


def _disjoint(spans: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not kept or s.start >= kept[-1].end:
            kept.append(s)
    return kept


# Obscene words

LOOK_ALIKES = str.maketrans("acepxykmhtunb036@i", "асерхукмнтипбозба" + "и")
OBFUSCATED_WORD = re.compile(r"[\wа-яё*#@]+(?:[.\-_]+[\wа-яё*#@]+)*", re.IGNORECASE)
CYRILLIC = re.compile(r"[а-яё]")
LATIN_WORD = re.compile(r"[a-z]+")
WILDCARDS = "*#"


@dataclass(frozen=True, slots=True)
class _Lexicon:
    cyrillic: tuple[re.Pattern[str], ...]
    latin: re.Pattern[str] | None


def _wildcarded(pattern: str) -> str:
    """Let every Cyrillic letter of the pattern also be written as «*» or «#»."""
    out, in_class = [], False
    for ch in pattern:
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
            out.append(re.escape(WILDCARDS))
        elif not in_class and CYRILLIC.fullmatch(ch):
            out.append(f"[{ch}{re.escape(WILDCARDS)}]")
            continue
        out.append(ch)
    return "".join(out)


@cache
def _lexicon() -> _Lexicon:
    cyrillic, latin = [], []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        mode, prefixes, pattern = line.split("\t")
        root = f"(?P<root>{_wildcarded(pattern)})"
        before = "" if prefixes == "-" else f"(?:{prefixes})?"
        if mode == "latin":
            latin.append(pattern)
        elif mode == "any":
            cyrillic.append(re.compile(root))
        elif mode == "start":
            cyrillic.append(re.compile(f"^{before}{root}"))
        elif mode == "word":
            cyrillic.append(re.compile(f"^{root}$"))
        else:
            raise ValueError(f"{DATA.name}: unknown mode {mode!r}")
    latin_re = re.compile("^(?:" + "|".join(latin) + ")$") if latin else None
    return _Lexicon(tuple(cyrillic), latin_re)


def find_obscene(text: str) -> list[Span]:
    return [
        Span(m.start(), m.end(), m.group())
        for m in OBFUSCATED_WORD.finditer(text)
        if _is_obscene(m.group())
    ]


@lru_cache(maxsize=100_000)
def _is_obscene(token: str) -> bool:
    word = token.lower().replace("ё", "е")
    lexicon = _lexicon()
    if not CYRILLIC.search(word):
        return bool(lexicon.latin and LATIN_WORD.fullmatch(word) and lexicon.latin.match(word))
    word = re.sub(r"[.\-_]", "", word.translate(LOOK_ALIKES)).strip(WILDCARDS)
    word = re.sub(r"([а-яё])\1+", r"\1", word)
    for pattern in lexicon.cyrillic:
        m = pattern.search(word)
        if m and sum(ch not in WILDCARDS for ch in m.group("root")) >= 2:
            return True
    return False
