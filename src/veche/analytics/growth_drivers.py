"""What drives a growth (growth.py): the phrases, places, channels and problems of the week's
cases of the series, each against the weeks that gave its usual level.

Phrases are lemmas and two-word phrases of the texts with personal data masked (the triage
pipeline's `masked_text`, or the same masking here for a case it has not read), each counted
once per case. A phrase is distinctive when it is in more of the week's cases than its share
in the baseline cases explains, by an exact conditional binomial test (p ≤ 0.01); the
distinctive ones are ranked by how many cases they add over their usual weekly number, as
places and channels are. Not the log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008): its normal approximation fails on the zero counts of weekly samples
(a phrase in 14 of 20 cases this week and none of 16 before scores z ≈ 2 at best, where the
exact test gives p ≈ 0.0003). A phrase must be in at least 3 of the week's cases: what one
citizen wrote (a name the masking missed) is never a driver. Function words and greetings
are skipped by part of speech and a short list; a two-word phrase is two content words side
by side, not across a stop word or punctuation. A word is not shown beside a phrase that
covers most of its cases.

Places are the streets (or landmarks) the pipeline read, never a house or a person; channels
and problems (problems app) come from the cases themselves.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache, reduce
from operator import or_

from django.db.models import Q
from scipy.special import betainc

from veche.analytics.growth import Checked, Report, name_series
from veche.analytics.indicators import Actor, scope_q
from veche.analytics.models import CaseFact
from veche.cases.models import Case, CaseAnalysis
from veche.cases.search import morph
from veche.catalog.models import Channel
from veche.problems.models import ProblemCase
from veche.triage.gazetteer_file import RecordKind
from veche.triage.pii import mask

TOP = 6
MAX_EXPLAINED = 20  # growths shown with their drivers
MIN_PHRASE_CASES = 3
MAX_PHRASE_P = 0.01
MAX_BASELINE_CASES = 3_000
FUNCTION_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED", "NUMR", "COMP"})
# Lemmas (ё read as е) that say nothing about a problem: pronouns, greetings, requests.
STOP = frozenset({
    "быть", "мочь", "весь", "этот", "тот", "такой", "свой", "наш", "ваш", "мой", "который",
    "самый", "каждый", "очень", "уже", "еще", "также", "просить", "пожалуйста", "здравствовать",
    "уважаемый", "добрый", "спасибо", "помочь", "решить", "вопрос", "обращение", "сообщение",
    "администрация",
})  # fmt: skip
PLACEHOLDER = re.compile(r"\[[^\]\n]{1,20}\]")
CHUNK = re.compile(r"[.,;:!?()«»\"\n\[\]—–]+")
WORD = re.compile(r"[а-яёa-z]+(?:-[а-яёa-z]+)*", re.IGNORECASE)


@dataclass(frozen=True)
class Driver:
    label: str
    week: int  # the week's cases with it
    usual: float  # its cases a week in the weeks of the usual level
    key: int | None = None  # a problem's or channel's id


@dataclass(frozen=True)
class Drivers:
    phrases: list[Driver]
    places: list[Driver]
    channels: list[Driver]
    problems: list[Driver]


def explained(
    actor: Actor, municipality_id: int, report: Report, limit: int = MAX_EXPLAINED
) -> list[tuple[Checked, Drivers]]:
    """The report's growths, most significant first, named and each with its drivers."""
    items = report.growths[:limit]
    name_series(items)
    return [(item, growth_drivers(actor, municipality_id, report.week, item)) for item in items]


def growth_drivers(actor: Actor, municipality_id: int, week: date, item: Checked) -> Drivers:
    weeks = len(item.usual.weeks)
    now, before = _case_ids(actor, municipality_id, week, item)
    texts = _texts(now + before)
    return Drivers(
        phrases=_phrases(
            [texts.get(i, "") for i in now], [texts.get(i, "") for i in before], weeks
        ),
        places=_places(now, before, weeks),
        channels=_channels(now, before, weeks),
        problems=_problems(now, before, weeks),
    )


def _case_ids(
    actor: Actor, municipality_id: int, week: date, item: Checked
) -> tuple[list[int], list[int]]:
    """The series' cases received in the week, and in the weeks of its usual level."""
    facts = CaseFact.objects.filter(scope_q(actor), municipality_id=municipality_id)
    if item.series.topic_id is not None:
        facts = facts.filter(topic_id=item.series.topic_id)
    if item.series.territory_id is not None:
        facts = facts.filter(territory_id=item.series.territory_id)
    now = facts.filter(received_day__gte=week, received_day__lte=week + timedelta(days=6))
    spans = (
        Q(received_day__gte=w, received_day__lte=w + timedelta(days=6)) for w in item.usual.weeks
    )
    before = facts.filter(reduce(or_, spans)).order_by("-received_day")[:MAX_BASELINE_CASES]
    return (
        list(now.values_list("case_id", flat=True)),
        list(before.values_list("case_id", flat=True)),
    )


def _texts(case_ids: list[int]) -> dict[int, str]:
    """The texts with personal data masked."""
    found: dict[int, str] = dict(
        CaseAnalysis.objects.filter(case_id__in=case_ids)
        .exclude(masked_text="")
        .values_list("case_id", "masked_text")
    )
    unread = Case.objects.filter(pk__in=[i for i in case_ids if i not in found])
    for pk, subject, text in unread.values_list("pk", "subject", "text"):
        found[pk] = mask("\n".join(part for part in (subject, text) if part))
    return found


def _per_week(count: int, weeks: int) -> float:
    return count / weeks if weeks else 0.0


def _ranked(now: Counter[str], before: Counter[str], weeks: int, least: int) -> list[Driver]:
    """The values that grew most: at least `least` cases this week, more than usual."""
    drivers = [
        Driver(label, n, _per_week(before[label], weeks))
        for label, n in now.items()
        if n >= least and n > _per_week(before[label], weeks)
    ]
    drivers.sort(key=lambda d: (-(d.week - d.usual), d.label))
    return drivers[:TOP]


# --- phrases ---------------------------------------------------------------------------------


@lru_cache(maxsize=100_000)
def content_lemma(word: str) -> str | None:
    """The lemma of a content word; None for a function word, a stop word or a short one."""
    word = word.lower().replace("ё", "е")
    if len(word) < 3:
        return None
    parse = morph().parse(word)[0]
    if parse.tag.POS in FUNCTION_POS:
        return None
    lemma = str(parse.normal_form).replace("ё", "е")
    return None if lemma in STOP else lemma


def terms(text: str) -> dict[str, str]:
    """The lemmas and two-lemma phrases of a text, each with the words as first written."""
    found: dict[str, str] = {}
    for chunk in CHUNK.split(PLACEHOLDER.sub(".", text)):
        previous: tuple[str, str] | None = None
        for word in WORD.findall(chunk):
            lemma = content_lemma(word)
            if lemma is None:
                previous = None
                continue
            surface = word.lower()
            found.setdefault(lemma, surface)
            if previous is not None:
                found.setdefault(f"{previous[0]} {lemma}", f"{previous[1]} {surface}")
            previous = (lemma, surface)
    return found


def distinctive(
    now: Counter[str], before: Counter[str], n_now: int, n_before: int
) -> dict[str, float]:
    """For each term of the week: how likely it is to be in as many of the week's cases by
    chance, if it were as common there as in the baseline's. Of the k + j cases with the term
    (k this week, j in the baseline), each is this week's with probability s = n_now / (n_now +
    n_before): p = P(Binomial(k + j, s) ≥ k) = I_s(k, j + 1), the regularised incomplete beta."""
    share = n_now / (n_now + n_before) if n_now + n_before else 1.0
    return {term: float(betainc(k, before[term] + 1, share)) for term, k in now.items()}


def _phrases(now_texts: Sequence[str], before_texts: Sequence[str], weeks: int) -> list[Driver]:
    now_docs = [terms(t) for t in now_texts]
    now = Counter(term for doc in now_docs for term in doc)
    before = Counter(term for text in before_texts for term in terms(text))
    p = distinctive(now, before, len(now_texts), len(before_texts))
    # Without a baseline case there is nothing to compare with: the frequent ones are shown.
    gate = MAX_PHRASE_P if before_texts else 1.0
    chosen = [t for t in now if now[t] >= MIN_PHRASE_CASES and p[t] <= gate]
    excess = {t: now[t] - _per_week(before[t], weeks) for t in chosen}
    chosen = [t for t in chosen if excess[t] > 0]
    chosen.sort(key=lambda t: (-excess[t], -t.count(" "), p[t], t))
    phrases = [t for t in chosen if " " in t]
    kept = [
        t
        for t in chosen
        if " " in t or not any(t in ph.split() and now[ph] >= 0.8 * now[t] for ph in phrases)
    ]
    surfaces: dict[str, Counter[str]] = {}
    for doc in now_docs:
        for term, surface in doc.items():
            surfaces.setdefault(term, Counter())[surface] += 1
    return [
        Driver(surfaces[t].most_common(1)[0][0], now[t], _per_week(before[t], weeks))
        for t in kept[:TOP]
    ]


# --- places, channels, problems --------------------------------------------------------------


def _place(street: str, settlement: str, place_name: str, level: str) -> str:
    if street:
        return f"{street}, {settlement}" if settlement else street
    if level == RecordKind.LANDMARK:
        return place_name
    return ""


def _places(now: list[int], before: list[int], weeks: int) -> list[Driver]:
    rows = CaseAnalysis.objects.filter(case_id__in=now + before).values_list(
        "case_id", "street", "settlement", "place_name", "place_level"
    )
    place_of = {pk: _place(*rest) for pk, *rest in rows}
    counted = [Counter(place_of[i] for i in ids if place_of.get(i)) for ids in (now, before)]
    return _ranked(counted[0], counted[1], weeks, least=2)


def _channels(now: list[int], before: list[int], weeks: int) -> list[Driver]:
    names = dict(Channel.objects.values_list("pk", "name"))
    channel_of = dict(Case.objects.filter(pk__in=now + before).values_list("pk", "channel_id"))
    counted = [Counter(names[channel_of[i]] for i in ids) for ids in (now, before)]
    keys = {names[pk]: pk for pk in names}
    return [
        Driver(d.label, d.week, d.usual, keys[d.label])
        for d in _ranked(counted[0], counted[1], weeks, least=1)
    ]


def _problems(now: list[int], before: list[int], weeks: int) -> list[Driver]:
    links = ProblemCase.objects.filter(case_id__in=now + before).values_list(
        "case_id", "problem_id", "problem__title"
    )
    problem_of = {case_id: (pk, title) for case_id, pk, title in links}
    counted = [Counter(problem_of[i] for i in ids if i in problem_of) for ids in (now, before)]
    drivers = [
        Driver(title, n, _per_week(counted[1][(pk, title)], weeks), pk)
        for (pk, title), n in counted[0].items()
        if n >= 2
    ]
    drivers.sort(key=lambda d: (-(d.week - d.usual), d.label))
    return drivers[:TOP]
