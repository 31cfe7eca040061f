"""The brush-off check («отписка»): an answer scored against explicit criteria before approval.

DOMAIN.md has no federal definition of «отписка»; its working definition is an answer with no
concrete action, no date, no responsible body, that restates the question, redirects without a
route, or is boilerplate; a good answer gives the measures taken, the stages and dates, or a
reasoned explanation with references (Yaroslavl). Each criterion below is one rule a reviewer
can read, and each failure says in Russian what is wrong and how to fix it:

- addresses the question — the answer shares a content word or topic with the question;
- concrete action — a named work or finding, not a bare «проблема устранена»;
- deadline — promised work has a date or term (or the editor's promised date is set);
- evidence — a claimed fix comes with photos or an act (`evidence_count`);
- legal wall — sentences of bare references (ст., п., №, ФЗ, постановление) are not most of it;
- stock phrases — «принято к сведению», «в рамках компетенции» … do not make up the answer;
- consistent — not «устранено» and «будет выполнено» at once, not «не подтвердилось» after
  an earlier answer promised or reported the work;
- polite — no rude formulas, insults or obscene words;
- not copied — not near-identical to an answer sent on a different problem.

Pure: no database, no models. Lemmas come from the cached pymorphy3 analyser triage uses.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz, process

from veche.cases.search import morph, normal_forms
from veche.feedback import lexicon as lx
from veche.triage.mood import INSULTS, find_obscene

WORD = re.compile(r"[а-яёa-z]+(?:-[а-яё]+)?", re.IGNORECASE)
QUOTED = re.compile(r"«[^»]{0,300}»|\"[^\"]{0,300}\"|“[^”]{0,300}”")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[А-ЯЁA-Z«\"])")
LEGAL_WALL_SHARE = 0.5
LEGAL_WALL_MIN_CHARS = 400
STOCK_SHARE = 0.3
COPY_SIMILARITY = 90.0
COPY_MIN_CHARS = 40


class Criterion(StrEnum):
    ADDRESSES_QUESTION = "addresses_question"
    CONCRETE_ACTION = "concrete_action"
    DEADLINE = "deadline"
    EVIDENCE = "evidence"
    LEGAL_WALL = "legal_wall"
    STOCK_PHRASES = "stock_phrases"
    CONSISTENT = "consistent"
    POLITE = "polite"
    NOT_COPIED = "not_copied"

    @property
    def label(self) -> str:
        return LABELS[self][0]

    @property
    def advice(self) -> str:
        return LABELS[self][1]


LABELS: dict[Criterion, tuple[str, str]] = {
    Criterion.ADDRESSES_QUESTION: (
        "Ответ по существу вопроса",
        "Ответьте на то, о чём спросил житель: назовите его проблему и что с ней сделано.",
    ),
    Criterion.CONCRETE_ACTION: (
        "Конкретные действия",
        "Назовите, что именно сделано или установлено при проверке: какие работы, кем, где.",
    ),
    Criterion.DEADLINE: (
        "Срок",
        "Укажите дату или срок, к которому работы будут выполнены.",
    ),
    Criterion.EVIDENCE: (
        "Подтверждение",
        "Приложите фотографии «после» или акт выполненных работ.",
    ),
    Criterion.LEGAL_WALL: (
        "Без стены ссылок на нормы",
        "Оставьте одну-две нужные ссылки и объясните своими словами, что это значит для жителя.",
    ),
    Criterion.STOCK_PHRASES: (
        "Без канцелярских штампов",
        "Замените общие формулы («принято к сведению», «в рамках компетенции») фактами.",
    ),
    Criterion.CONSISTENT: (
        "Без противоречий",
        "Проверьте, что ответ не противоречит себе и прежним ответам по этому сообщению.",
    ),
    Criterion.POLITE: (
        "Вежливый тон",
        "Уберите оценки и грубые выражения в адрес жителя.",
    ),
    Criterion.NOT_COPIED: (
        "Ответ не скопирован",
        "Ответ почти дословно совпадает с ответом по другой проблеме — напишите его заново.",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    criterion: Criterion
    passed: bool
    score: float  # 1.0 is a clean pass, 0.0 a clear failure
    detail: str  # Russian, quoting the offending words where useful


@dataclass(frozen=True, slots=True)
class Verdict:
    findings: tuple[Finding, ...]  # failed criteria first
    brush_off: bool
    score: float

    @property
    def failed(self) -> tuple[Criterion, ...]:
        return tuple(f.criterion for f in self.findings if not f.passed)


@dataclass(frozen=True, slots=True)
class _Text:
    raw: str
    low: str  # lower case, ё as е
    words: tuple[str, ...]  # lower-case words in order
    lemmas: tuple[str, ...]  # their most likely lemmas


def check_answer(
    question: str,
    answer: str,
    *,
    evidence_count: int = 0,
    earlier_answers: Sequence[str] = (),
    other_problem_answers: Sequence[str] = (),
    promised_date: date | None = None,
) -> Verdict:
    """Score one answer. `evidence_count` is the photos and acts attached to it;
    `earlier_answers` the answers already sent on this message; `other_problem_answers`
    answers sent on other problems (for copies); `promised_date` the editor's «срок» field."""
    text, asked = _text(answer), _text(question)
    findings = [
        _addresses(asked, text),
        _concrete(text),
        _deadline(text, promised_date),
        _evidence(text, evidence_count),
        _legal_wall(text),
        _stock(text),
        _consistent(text, earlier_answers),
        _polite(text),
        _not_copied(text, other_problem_answers),
    ]
    findings.sort(key=lambda f: f.passed)
    score = round(sum(f.score for f in findings) / len(findings), 3)
    return Verdict(tuple(findings), any(not f.passed for f in findings), score)


def _text(raw: str) -> _Text:
    low = raw.lower().replace("ё", "е")
    words = tuple(WORD.findall(low))
    return _Text(raw, low, words, tuple(_lemma(w) for w in words))


@lru_cache(maxsize=200_000)
def _lemma(word: str) -> str:
    return normal_forms(word)[0]


def _finding(
    criterion: Criterion, passed: bool, detail: str, score: float | None = None
) -> Finding:
    value = (1.0 if passed else 0.0) if score is None else round(min(1.0, max(0.0, score)), 3)
    return Finding(criterion, passed, value, detail)


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"«{text if len(text) <= limit else text[: limit - 1] + '…'}»"


# Addresses the question


@lru_cache(maxsize=1)
def _topic_of() -> dict[str, int]:
    return {word: i for i, group in enumerate(lx.TOPICS) for word in group.split()}


def _content(text: _Text) -> set[str]:
    return {
        lemma
        for lemma in text.lemmas
        if len(lemma) > 2 and lemma not in lx.GENERIC and _is_content(lemma)
    }


@lru_cache(maxsize=100_000)
def _is_content(lemma: str) -> bool:
    tag = morph().parse(lemma)[0].tag
    return bool({"NOUN", "ADJF", "INFN", "VERB"} & set(str(tag).replace(" ", ",").split(",")))


def _addresses(asked: _Text, text: _Text) -> Finding:
    question, answer = _content(asked), _content(text)
    if len(question) < 2 or len(answer) < 4:
        return _finding(Criterion.ADDRESSES_QUESTION, True, "Текст слишком короткий для сверки.")
    topics = _topic_of()
    answer_stems = {a[:5] for a in answer if len(a) >= 5}
    answer_topics = {topics[a] for a in answer if a in topics}
    shared = sorted(
        q
        for q in question
        if q in answer
        or (len(q) >= 5 and q[:5] in answer_stems)
        or topics.get(q, -1) in answer_topics
    )
    if shared:
        detail = "Общие с вопросом слова: " + ", ".join(shared[:5]) + "."
        return _finding(Criterion.ADDRESSES_QUESTION, True, detail, 0.5 + len(shared) / 4)
    asked_words = ", ".join(sorted(question)[:5])
    detail = f"В ответе нет ни одного слова из вопроса ({asked_words}): ответ о другом?"
    return _finding(Criterion.ADDRESSES_QUESTION, False, detail)


# Concrete action, deadline, evidence


def _unquoted(text: _Text) -> _Text:
    """The answer without quoted category names («Засор мусоропровода») and stock phrases:
    restating the portal's category, or «проведена разъяснительная работа», is not work."""
    return _text(lx.STOCK.sub(" ", QUOTED.sub(" ", text.raw.lower().replace("ё", "е"))))


def _concrete(text: _Text) -> Finding:
    plain = _unquoted(text)
    named = [w for w, lemma in zip(plain.words, plain.lemmas, strict=True) if lemma in lx.ACTIONS]
    named += _specific_fixes(plain)
    for found in (lx.NAMED_WORK.search(plain.low), lx.NOT_CONFIRMED.search(plain.low)):
        if found:
            named.append(found.group())
    if named:
        detail = "Названы действия: " + ", ".join(dict.fromkeys(named[:4])) + "."
        return _finding(Criterion.CONCRETE_ACTION, True, detail)
    claim = lx.WHOLE_FIX.search(text.low)
    said = f" — только {_quote(claim.group())}" if claim else ""
    detail = f"Не названо ни одной конкретной работы или результата проверки{said}."
    return _finding(Criterion.CONCRETE_ACTION, False, detail)


def _specific_fixes(text: _Text) -> list[str]:
    """«Наледь устранена», «окна закрыты», «устранён засор»: a fix with a named object
    right before it or directly after it, not «проблема устранена»."""
    found = []
    for i, word in enumerate(text.words):
        if not _done_form(word):
            continue
        around = [*range(max(0, i - 3), i), i + 1]
        objects = [
            text.words[k]
            for k in around
            if k < len(text.words)
            and len(text.lemmas[k]) > 2
            and text.lemmas[k] not in lx.VAGUE | lx.GENERIC
            and _is_noun(text.words[k])
        ]
        if objects:
            found.append(f"{objects[-1]} {word}")
    return found


@lru_cache(maxsize=100_000)
def _is_noun(word: str) -> bool:
    return "NOUN" in morph().parse(word)[0].tag


def _deadline(text: _Text, promised: date | None) -> Finding:
    future = lx.FUTURE.search(lx.STOCK.sub(" ", text.low))
    if future is None:
        return _finding(Criterion.DEADLINE, True, "Ответ не обещает будущих работ.")
    if promised is not None:
        detail = f"Срок указан в поле ответа: {promised:%d.%m.%Y}."
        return _finding(Criterion.DEADLINE, True, detail)
    if term := lx.DATE.search(text.low):
        return _finding(Criterion.DEADLINE, True, f"Срок: {_quote(term.group())}.")
    detail = f"Обещано {_quote(future.group())}, но не сказано когда."
    return _finding(Criterion.DEADLINE, False, detail)


def _fix_claims(text: _Text) -> list[str]:
    """Words claiming a finished fix («устранено», «выполнены»), not negated, not future
    («будут выполнены»), not about an inspection («проведено обследование») and not the
    «установлено, что» of a finding."""
    claims = []
    for i, word in enumerate(text.words):
        if not _done_form(word):
            continue
        before = text.words[max(0, i - 3) : i]
        if "не" in before[-1:] or {"будет", "будут", "быть"} & set(before):
            continue
        near = set(text.lemmas[i + 1 : i + 4]) | set(text.lemmas[max(0, i - 2) : i])
        if lx.INSPECTION & near or set(text.lemmas[i + 1 : i + 2]) & lx.NOT_A_FIX_NEXT:
            continue
        claims.append(word)
    return claims


@lru_cache(maxsize=100_000)
def _done_form(word: str) -> bool:
    """A past verb or short passive participle of a fix verb: «устранен», «выполнили»,
    «закрыта» (which pymorphy3 reads first as the adjective «закрытый»)."""
    for p in morph().parse(word):
        tag, lemma = p.tag, str(p.normal_form).replace("ё", "е")
        if lemma in lx.DONE and "past" in tag and ("VERB" in tag or "PRTS" in tag):
            return True
    return False


def _evidence(text: _Text, evidence_count: int) -> Finding:
    claims = _fix_claims(_unquoted(text))
    if not claims:
        return _finding(Criterion.EVIDENCE, True, "Ответ не утверждает, что работы выполнены.")
    if evidence_count > 0:
        detail = f"Выполнение подтверждено вложениями: {evidence_count}."
        return _finding(Criterion.EVIDENCE, True, detail)
    said = ", ".join(_quote(c) for c in dict.fromkeys(claims[:3]))
    detail = f"Сказано {said}, но нет ни фотографий, ни акта."
    return _finding(Criterion.EVIDENCE, False, detail)


# Legal wall, stock phrases


def _legal_wall(text: _Text) -> Finding:
    sentences = [s for s in SENTENCE.split(text.raw) if s.strip()]
    legal = [s for s in sentences if lx.LEGAL.search(s.lower())]
    total = sum(len(s) for s in sentences) or 1
    share = sum(len(s) for s in legal) / total
    refs = len(lx.LEGAL.findall(text.low))
    wall = share >= LEGAL_WALL_SHARE and total >= LEGAL_WALL_MIN_CHARS and refs >= 3
    if not wall:
        detail = f"Ссылки на нормы занимают {share:.0%} текста."
        return _finding(Criterion.LEGAL_WALL, True, detail, 1 - share / 2)
    first = lx.LEGAL.search(legal[0].lower())
    quoted = _quote(legal[0][max(0, first.start() - 20) :] if first else legal[0])
    detail = f"Ссылки на нормы занимают {share:.0%} текста ({refs} шт.), например {quoted}."
    return _finding(Criterion.LEGAL_WALL, False, detail, 1 - share)


def _stock(text: _Text) -> Finding:
    found = [m.group() for m in lx.STOCK.finditer(text.low)]
    if not found:
        return _finding(Criterion.STOCK_PHRASES, True, "Канцелярских штампов не найдено.")
    share = sum(len(f) for f in found) / max(1, len(text.low))
    dominating = len(set(found)) >= 2 or (share >= STOCK_SHARE and not _concrete(text).passed)
    quoted = ", ".join(_quote(f) for f in dict.fromkeys(found[:3]))
    if not dominating:
        return _finding(Criterion.STOCK_PHRASES, True, f"Штампы: {quoted}.", 1 - share)
    detail = f"Ответ держится на штампах: {quoted}."
    return _finding(Criterion.STOCK_PHRASES, False, detail, 1 - share * 2)


# Consistency, politeness, copies


def _consistent(text: _Text, earlier: Sequence[str]) -> Finding:
    whole_fix = lx.WHOLE_FIX.search(text.low)
    pending = lx.FUTURE.search(text.low) or lx.IMPOSSIBLE.search(text.low)
    if whole_fix and pending:
        detail = f"Сказано и {_quote(whole_fix.group())}, и {_quote(pending.group())}."
        return _finding(Criterion.CONSISTENT, False, detail)
    denied = lx.DENIED.search(text.low)
    if denied and whole_fix:
        detail = f"Сказано и {_quote(denied.group())}, и {_quote(whole_fix.group())}."
        return _finding(Criterion.CONSISTENT, False, detail)
    for before in earlier:
        prior = _text(before)
        found = lx.FUTURE.search(prior.low) or lx.WHOLE_FIX.search(prior.low)
        promised = found.group() if found else next(iter(_fix_claims(prior)), None)
        if denied and promised:
            detail = f"Прежний ответ: {_quote(promised)}, а теперь {_quote(denied.group())}."
            return _finding(Criterion.CONSISTENT, False, detail)
    return _finding(Criterion.CONSISTENT, True, "Противоречий не найдено.")


def _polite(text: _Text) -> Finding:
    rude = [m.group() for m in lx.RUDE.finditer(text.low)]
    rude += [w for w, lemma in zip(text.words, text.lemmas, strict=True) if lemma in INSULTS]
    rude += [s.text for s in find_obscene(text.raw)]
    if not rude:
        return _finding(Criterion.POLITE, True, "Грубых выражений не найдено.")
    quoted = ", ".join(_quote(r) for r in dict.fromkeys(rude[:3]))
    return _finding(Criterion.POLITE, False, f"Грубо: {quoted}.")


_DIGITS = re.compile(r"\d+")


def _comparable(text: str) -> str:
    """Numbers out (addresses, message and flat numbers differ between copies)."""
    return " ".join(_DIGITS.sub(" ", text.lower().replace("ё", "е")).split())


def _not_copied(text: _Text, others: Sequence[str]) -> Finding:
    mine = _comparable(text.raw)
    if not others or len(mine) < COPY_MIN_CHARS:
        return _finding(Criterion.NOT_COPIED, True, "Сравнивать не с чем.")
    scorer: Callable[..., float] = fuzz.ratio
    best = process.extractOne(mine, others, scorer=scorer, processor=_comparable)
    similarity = float(best[1]) if best else 0.0
    if similarity < COPY_SIMILARITY:
        detail = f"Самый похожий ответ по другой проблеме совпадает на {similarity:.0f}%."
        return _finding(Criterion.NOT_COPIED, True, detail, 1 - similarity / 200)
    detail = f"Совпадает на {similarity:.0f}% с ответом по другой проблеме: {_quote(best[0])}."
    return _finding(Criterion.NOT_COPIED, False, detail, 1 - similarity / 100)
