"""The phrase detector of recurring.py: the same distinctive phrase in the texts of distinct
citizens from two or more channels, in a stretch of weeks of its own.

Texts are read from `Case.search_lemmas` (every normal form of every word, in order, each once
per case: cases/search.py), never from the raw text. A phrase is an unordered pair of content
lemmas at most `phrase_window` positions apart; two normal forms of one word («гарь гари»),
which sit side by side, are not a pair (same first three letters). Function words, names and
short or non-Cyrillic tokens are not content. Counting is vectorised (numpy) over all cases.

1. A pair is distinctive when it is in at most `phrase_max_share` of the municipality's cases
   (or `phrase_max_floor`, whichever is more) and its lift — cases with both over the cases
   expected if the two lemmas were independent — is at least `phrase_min_lift`; its cases
   must come from `min_citizens` citizens, `phrase_min_channels` channels and
   `phrase_min_weeks` weeks.
2. Pairs with mostly the same cases (Jaccard ≥ `merge_overlap`) are one phrase, tested once.
3. The test: a way of saying («течёт с потолка») comes and goes with its topic; a problem has
   a stretch of its own. The phrase's busiest quarter is compared with the share of its
   topics' cases in that quarter (binomial, `_Weekly.concentration`), Benjamini–Hochberg over
   the phrases.
4. A phrase whose cases outside the phrases and places already found are not concentrated
   on their own only stood out because of them, and is dropped (`_distinct`).

The title is the phrase as a citizen wrote it, found in the masked texts; a phrase found in
none of them was personal data, and recurring.py drops it.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache
from itertools import count

import numpy as np
import numpy.typing as npt
from scipy.special import betainc

from veche.cases.models import CaseAnalysis
from veche.cases.search import WORD, morph, normal_forms
from veche.problems.recurring_rows import Group, Loaded, Thresholds, merge_groups
from veche.problems.recurring_stats import benjamini_hochberg

PHRASE = "phrase"
FUNCTION_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED", "NUMR", "COMP"})
NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
# Lemmas that say nothing about a problem: requests, greetings, the addressee, units.
STOP = frozenset({
    "быть", "мочь", "весь", "этот", "тот", "такой", "свой", "наш", "ваш", "мой", "который",
    "самый", "каждый", "очень", "уже", "еще", "также", "просить", "пожалуйста", "здравствовать",
    "здравствуйте", "уважаемый", "добрый", "спасибо", "помочь", "решить", "вопрос", "обращение",
    "сообщение", "администрация", "принять", "мера", "прошу", "просим", "день", "год", "улица",
    "дом", "город", "район", "житель", "сделать", "когда", "почему", "нужно",
})  # fmt: skip
CYRILLIC = re.compile(r"^[а-я]+$")
SPAN_WEEKS = 13  # a quarter: the stretch in which a phrase's cases are looked for
STEP_WEEKS = 6  # a stretch starts every half quarter
MIN_PROFILE_CASES = 30  # fewer cases of the topic: the weeks of every case instead
SURFACE_CASES = 8  # masked texts read per candidate to find the phrase as written
MAX_SURFACE_WORDS = 8


@lru_cache(maxsize=200_000)
def is_content(lemma: str) -> bool:
    """A lemma that can carry a problem: Cyrillic, three letters or more, not a function word,
    not a stop word, not a person's name."""
    if len(lemma) < 3 or lemma in STOP or not CYRILLIC.match(lemma):
        return False
    tag = morph().parse(lemma)[0].tag
    return tag.POS not in FUNCTION_POS and not (NAME_TAGS & set(tag.grammemes))


def phrase_groups(loaded: Loaded, th: Thresholds, prior: Sequence[Group] = ()) -> list[Group]:
    """The phrases, each a group; `prior` are the groups other detectors found (see
    `_distinct`)."""
    n = len(loaded.rows)
    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)  # a new token: next id
    lookup = vocabulary.__getitem__
    flat: list[int] = []
    lengths: list[int] = []
    for text in loaded.lemmas:
        words = text.split()
        flat.extend(map(lookup, words))
        lengths.append(len(words))
    if not flat:
        return []
    words = list(vocabulary)
    size = len(words)
    content = np.fromiter((is_content(w) for w in words), dtype=bool, count=size)
    stems = {w[:3] for w in words}
    stem_of = {s: i for i, s in enumerate(stems)}
    stem = np.fromiter((stem_of[w[:3]] for w in words), dtype=np.int64, count=size)
    tokens = np.asarray(flat, dtype=np.int64)
    case = np.repeat(np.arange(n, dtype=np.int64), lengths)
    # `search_lemmas` holds each form once per case: a token's count is its number of cases.
    cases_with = np.bincount(tokens, minlength=size)
    # A pair is in no more cases than its rarer word, so lift = n·k / (a·b) ≥ L needs the
    # commoner word in at most n / L cases; and k ≥ min_citizens needs both in that many.
    usable = content & (cases_with >= th.min_citizens)
    usable &= cases_with <= n / th.phrase_min_lift
    keys, members = _pairs(tokens, case, usable, stem, size, th.phrase_window)
    if keys.size == 0:
        return []
    order = np.argsort(keys, kind="stable")
    keys, members = keys[order], members[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    counts = np.diff(np.append(starts, keys.size))
    first, second = keys[starts] // size, keys[starts] % size
    lift = counts * n / (cases_with[first] * cases_with[second])
    cap = max(th.phrase_max_floor, th.phrase_max_share * n)
    eligible = np.flatnonzero(
        (counts >= th.min_citizens) & (counts <= cap) & (lift >= th.phrase_min_lift)
    )
    candidates: list[Group] = []
    for index in eligible:
        cases = members[starts[index] : starts[index] + counts[index]].tolist()
        if _qualifies(loaded, cases, th):
            tokens_of = (words[first[index]], words[second[index]])
            candidates.append(Group(kinds={PHRASE}, members=set(cases), phrase_tokens=tokens_of))
    # The pairs of one phrase («запах гари», «гари от котельной») are one hypothesis: tested
    # apart they would each count as a discovery and loosen the bar for every other pair.
    tested = [_phrase(group) for group in merge_groups(candidates, th, inside=False)]
    weekly = _Weekly(loaded)
    p_values = [weekly.concentration(sorted(group.members)) for group in tested]
    found = benjamini_hochberg(p_values, th.false_discovery, tests=len(tested))
    return _distinct(loaded, tested, p_values, found, weekly, th, prior)


def _phrase(group: Group) -> Group:
    """A merged group of pairs as one phrase: all their lemmas, the most shared first."""
    tokens = Counter(t for part in group.parts for t in part.phrase_tokens)
    return Group(
        kinds={PHRASE},
        members=group.members,
        phrase_tokens=tuple(t for t, _ in tokens.most_common()),
    )


def _distinct(
    loaded: Loaded,
    tested: list[Group],
    p_values: list[float],
    found: list[bool],
    weekly: "_Weekly",
    th: Thresholds,
    prior: Sequence[Group],
) -> list[Group]:
    """The discoveries, the narrowest first. A pair with mostly the cases of a phrase already
    kept (Jaccard ≥ `merge_overlap`) is more of its words and joins it; one that is mostly a
    group of another detector stays (recurring.py merges them). Any other pair is kept only
    if its cases outside the phrases kept and the other detectors' groups are still
    concentrated on their own: a common pair («течёт с потолка», «проезжает остановку») that
    only stands out because the cases of one recurring place or phrase carry it too is
    dropped."""
    cutoff = max((p for p, ok in zip(p_values, found, strict=True) if ok), default=0.0)
    order = sorted(
        (i for i, ok in enumerate(found) if ok),
        key=lambda i: (len(tested[i].members), p_values[i]),
    )
    claimed = {m for group in prior for m in group.members}
    prior_of = {m: k for k, group in enumerate(prior) for m in group.members}
    kept: list[Group] = []
    owner: dict[int, int] = {}
    for index in order:
        group = tested[index]
        same = _mostly(group, owner, kept, th)
        if same is not None:
            kept[same].members |= group.members
            kept[same].phrase_tokens += tuple(
                t for t in group.phrase_tokens if t not in kept[same].phrase_tokens
            )
            target = same
        elif _mostly(group, prior_of, prior, th) is None and not _explained(
            group, owner, claimed, loaded, weekly, cutoff, th
        ):
            continue
        else:
            kept.append(group)
            target = len(kept) - 1
        for member in group.members:
            owner.setdefault(member, target)
    return kept


def _explained(
    group: Group,
    owner: dict[int, int],
    claimed: set[int],
    loaded: Loaded,
    weekly: "_Weekly",
    cutoff: float,
    th: Thresholds,
) -> bool:
    """Whether a phrase stands on its own: most of its cases are phrases kept (it is a wider
    wording of them, merged with them later), or its cases outside the phrases kept and the
    other detectors' groups are concentrated by themselves."""
    if 2 * sum(1 for m in group.members if m in owner) >= len(group.members):
        return True
    rest = [m for m in group.members if m not in owner and m not in claimed]
    return _qualifies(loaded, rest, th) and weekly.concentration(rest) <= cutoff


def _mostly(
    group: Group, owner: dict[int, int], groups: Sequence[Group], th: Thresholds
) -> int | None:
    """The group of `groups` that `group` mostly is: Jaccard ≥ `merge_overlap`, or `group`
    at least `merge_inside` inside it."""
    shared = Counter(owner[m] for m in group.members if m in owner)
    for other, common in shared.most_common():
        union = len(group.members | groups[other].members)
        if common >= th.merge_overlap * union or common >= th.merge_inside * len(group.members):
            return other
    return None


def _pairs(
    tokens: npt.NDArray[np.int64],
    case: npt.NDArray[np.int64],
    usable: npt.NDArray[np.bool_],
    stem: npt.NDArray[np.int64],
    size: int,
    window: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every pair of usable tokens of a case at most `window` positions apart, as a key
    (lo × size + hi) and the case; once per case, since a case holds each token once."""
    keys, cases = [], []
    for distance in range(1, window + 1):
        a, b = tokens[:-distance], tokens[distance:]
        keep = (case[:-distance] == case[distance:]) & usable[a] & usable[b]
        keep &= stem[a] != stem[b]
        a, b = a[keep], b[keep]
        keys.append(np.minimum(a, b) * size + np.maximum(a, b))
        cases.append(case[:-distance][keep])
    return np.concatenate(keys), np.concatenate(cases)


class _Weekly:
    """Cases per week of each topic, to tell a phrase that comes in a season of its own from
    one that comes and goes with its topic (a way of saying, not a problem)."""

    def __init__(self, loaded: Loaded) -> None:
        self.rows = loaded.rows
        self.first = min(r.week for r in loaded.rows)
        self.size = max(r.week for r in loaded.rows) - self.first + 1
        self.all = np.zeros(self.size)
        self.topics: dict[int | None, npt.NDArray[np.float64]] = {}
        for row in loaded.rows:
            week = row.week - self.first
            self.all[week] += 1
            self.topics.setdefault(row.topic_id, np.zeros(self.size))[week] += 1

    def concentration(self, members: list[int]) -> float:
        """How likely the phrase's busiest stretch of `SPAN_WEEKS` is, were its cases spread
        over the weeks as all the cases of their topics are: P(Binomial(n, expected share) ≥
        k) for the stretch with the least likely count, times the number of stretches tried
        (one every `STEP_WEEKS`). Cases
        at one place in one week count once: a burst is one event, not a recurrence. The
        phrase's own cases stay in their topics' weeks, so a phrase that is most of its topic
        is not measured against the rest of it."""
        events: dict[tuple[int, object], None] = {}
        by_topic: Counter[int | None] = Counter()
        for i in members:
            row = self.rows[i]
            events[(row.week - self.first, row.place or row.pk)] = None
            by_topic[row.topic_id] += 1
        own = np.bincount([week for week, _ in events], minlength=self.size).astype(np.float64)
        expected = np.zeros(self.size)
        for topic, cases in by_topic.items():
            weeks = self.topics[topic]
            if weeks.sum() < MIN_PROFILE_CASES:
                weeks = self.all
            expected += cases * weeks / weeks.sum()
        n = float(own.sum())
        span = min(SPAN_WEEKS, self.size)
        # Stretches starting every half span: any run of cases shorter than half a span lies
        # in one of them, and the union bound over the stretches tried keeps p honest.
        starts = np.unique(
            np.append(np.arange(0, self.size - span + 1, STEP_WEEKS), self.size - span)
        )
        k = _window_sums(own, span)[starts]
        share = np.clip(_window_sums(expected, span)[starts] / len(members), 1e-9, 1.0)
        p = np.where(k > 0, betainc(np.maximum(k, 1), n - k + 1, share), 1.0)
        return float(min(1.0, p.min() * len(starts)))


def _window_sums(values: npt.NDArray[np.float64], span: int) -> npt.NDArray[np.float64]:
    total = np.concatenate(([0.0], np.cumsum(values)))
    return total[span:] - total[:-span]


def _qualifies(loaded: Loaded, members: list[int], th: Thresholds) -> bool:
    rows = [loaded.rows[i] for i in members]
    if len({r.citizen for r in rows}) < th.min_citizens:
        return False
    if len({r.channel_id for r in rows}) < th.phrase_min_channels:
        return False
    return len({r.week for r in rows}) >= th.phrase_min_weeks


def surface_phrases(wanted: Sequence[tuple[tuple[int, ...], tuple[str, ...]]]) -> list[str]:
    """For each candidate (its case ids and phrase lemmas) the phrase as a citizen wrote it in
    a masked text: the longest run of words with those lemmas, gaps of two words at most; ""
    when the lemmas are in no masked text of its first cases (they were personal data)."""
    ids = {pk for case_ids, _ in wanted for pk in case_ids[:SURFACE_CASES]}
    texts = dict(
        CaseAnalysis.objects.filter(case_id__in=ids)
        .exclude(masked_text="")
        .values_list("case_id", "masked_text")
    )
    found = []
    for case_ids, lemmas in wanted:
        best = ""
        for pk in case_ids[:SURFACE_CASES]:
            run = _run(texts.get(pk, ""), set(lemmas))
            if len(run.split()) > len(best.split()):
                best = run
        found.append(best)
    return found


def _run(text: str, lemmas: set[str]) -> str:
    """The longest stretch of `text` made of words with one of `lemmas` and at most two
    other words between them, as written."""
    words = list(WORD.finditer(text))
    hits = [i for i, w in enumerate(words) if lemmas & set(normal_forms(w.group()))]
    best: tuple[int, int] | None = None
    start = 0
    for position in range(1, len(hits) + 1):
        if position == len(hits) or hits[position] - hits[position - 1] > 3:
            run = (hits[start], hits[position - 1])
            if run[1] > run[0] and (best is None or run[1] - run[0] > best[1] - best[0]):
                best = run
            start = position
    if best is None or best[1] - best[0] >= MAX_SURFACE_WORDS:
        return ""
    return text[words[best[0]].start() : words[best[1]].end()]
