"""The brush-off check applied to stored answers: what it needs from the case (the question,
the evidence attached, earlier answers, answers on other problems) and what it concludes.

A history recorded in bulk (an import, the demo) never passed approval: `check_past_answers`
checks its sent final answers afterwards, each as the approver would have seen it when it was
sent, reading the municipality's answers once instead of five queries per answer."""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from rapidfuzz import fuzz, process

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Answer, Case, Event
from veche.feedback.brushoff import Verdict, _comparable, check_answer
from veche.feedback.models import AnswerCheck, QualityPolicy
from veche.problems.models import ProblemCase

RECENT_ANSWERS = 200  # answers on other problems compared for copies
PAST_BATCH = 1_000  # answers checked per batch of a history


def check_stored_answer(answer: Answer, *, now: datetime) -> AnswerCheck:
    """Check the answer and keep the result (one row per answer, replaced on each check)."""
    verdict = _verdict(answer)
    check, _ = AnswerCheck.objects.update_or_create(
        answer=answer,
        defaults={
            "checked_at": now,
            "brush_off": verdict.brush_off,
            "score": verdict.score,
            "findings": _findings(verdict),
        },
    )
    return check


def _findings(verdict: Verdict) -> list[dict[str, Any]]:
    return [
        {
            "criterion": f.criterion.value,
            "label": f.criterion.label,
            "passed": f.passed,
            "detail": f.detail,
            "advice": f.criterion.advice,
        }
        for f in verdict.findings
    ]


def blocking_failures(check: AnswerCheck) -> list[str]:
    """Labels of the failed criteria the answer's municipality made binding."""
    policy = QualityPolicy.objects.filter(municipality_id=check.answer.case.municipality_id).first()
    binding = set(policy.blocking) if policy else set()
    return [f["label"] for f in check.findings if not f["passed"] and f["criterion"] in binding]


def refuse_if_blocked(answer: Answer, *, now: datetime) -> None:
    """Raise when the answer fails a binding criterion: it cannot be approved as it is."""
    failed = blocking_failures(check_stored_answer(answer, now=now))
    if failed:
        names = ", ".join(f"«{label}»" for label in failed)
        raise CaseError(
            ErrorCode.INVALID,
            f"Ответ не прошёл проверку на отписку: {names}. Исправьте ответ и сохраните новый "
            "проект.",
        )


def _verdict(answer: Answer) -> Verdict:
    case = answer.case
    question = "\n".join(part for part in (case.subject, case.text) if part)
    evidence = Event.objects.filter(
        case=case, kind=Event.Kind.ATTACHMENT_ADDED, actor__isnull=False
    ).count()
    earlier = list(
        case.answers.filter(state=Answer.State.SENT)
        .exclude(pk=answer.pk)
        .values_list("text", flat=True)
    )
    return check_answer(
        question,
        answer.text,
        evidence_count=evidence,
        earlier_answers=earlier,
        other_problem_answers=_other_problems_answers(answer),
    )


def _other_problems_answers(answer: Answer) -> list[str]:
    """Recent answers of the municipality on other cases, less those of the same problem
    (one joint answer to a problem's cases is allowed, DOMAIN.md §1.3)."""
    case = answer.case
    same_problem = ProblemCase.objects.filter(problem__links__case=case).values_list(
        "case_id", flat=True
    )
    recent = (
        Answer.objects.filter(case__municipality_id=case.municipality_id)
        .exclude(case=case)
        .exclude(case_id__in=same_problem)
        .exclude(state=Answer.State.DRAFT)
        .order_by("-created_at")
        .values_list("text", flat=True)[:RECENT_ANSWERS]
    )
    return list(recent)


# --- a history recorded in bulk ---------------------------------------------------------------


@dataclass(frozen=True)
class PastAnswer:
    """One of a municipality's answers other than drafts, in the order they were written."""

    pk: int
    case_id: int
    text: str


@dataclass(frozen=True)
class PastTarget:
    """A sent final answer to check, with what the check saw when it was sent."""

    index: int  # in the batch's `answers`
    sent_at: datetime
    question: str
    evidence: int  # attachments the staff added to the case before it was sent
    earlier: tuple[str, ...]  # the case's answers sent before it
    excluded: frozenset[int]  # its case and the cases of its problem: not copies


@dataclass(frozen=True)
class PastBatch:
    """Consecutive sent final answers and the answers before them their copy check reads:
    plain data, checked without the database (`past_verdicts`)."""

    answers: tuple[PastAnswer, ...]
    targets: tuple[PastTarget, ...]


def past_batches(municipality_id: int, *, size: int = PAST_BATCH) -> list[PastBatch]:
    """The municipality's sent final answers without a check, in batches. Each is checked
    as `check_stored_answer` would have checked it on its way out: against the evidence and
    answers on its case by then, and the `RECENT_ANSWERS` answers on other problems written
    before it (not the latest ones now)."""
    rows = list(
        Answer.objects.filter(case__municipality_id=municipality_id)
        .exclude(state=Answer.State.DRAFT)
        .order_by("created_at", "pk")
        .values_list("pk", "case_id", "kind", "state", "text", "sent_at")
    )
    checked = set(
        AnswerCheck.objects.filter(answer__case__municipality_id=municipality_id).values_list(
            "answer_id", flat=True
        )
    )
    sent, final = Answer.State.SENT, Answer.Kind.FINAL
    wanted = [
        i
        for i, (pk, _, kind, state, _, at) in enumerate(rows)
        if kind == final and state == sent and at is not None and pk not in checked
    ]
    if not wanted:
        return []
    context = _HistoryContext(municipality_id, rows)
    answers = [PastAnswer(pk, case_id, text) for pk, case_id, _, _, text, _ in rows]
    batches = []
    for start in range(0, len(wanted), size):
        targets = [context.target(i) for i in wanted[start : start + size]]
        first = min(context.window_start(i) for i in wanted[start : start + size])
        shifted = [replace(t, index=t.index - first) for t in targets]
        last = wanted[min(start + size, len(wanted)) - 1]
        batches.append(PastBatch(tuple(answers[first : last + 1]), tuple(shifted)))
    return batches


def past_verdicts(batch: PastBatch) -> list[tuple[int, datetime, Verdict]]:
    """(answer, sent at, verdict) for each answer of the batch. Pure: no database."""
    comparable = [_comparable(a.text) for a in batch.answers]
    found = []
    for target in batch.targets:
        answer = batch.answers[target.index]
        verdict = check_answer(
            target.question,
            answer.text,
            evidence_count=target.evidence,
            earlier_answers=target.earlier,
            other_problem_answers=_nearest_other(batch, comparable, target),
        )
        found.append((answer.pk, target.sent_at, verdict))
    return found


def store_past_checks(verdicts: Iterable[Sequence[tuple[int, datetime, Verdict]]]) -> int:
    """Keep the checks (dated when the answer was sent); returns how many."""
    stored = 0
    for batch in verdicts:
        AnswerCheck.objects.bulk_create(
            [
                AnswerCheck(
                    answer_id=pk,
                    checked_at=at,
                    brush_off=verdict.brush_off,
                    score=verdict.score,
                    findings=_findings(verdict),
                )
                for pk, at, verdict in batch
            ],
            batch_size=500,
        )
        stored += len(batch)
    return stored


def check_past_answers(municipality_id: int) -> int:
    """Check every sent final answer of the municipality that has no check yet; returns how
    many. The checks are computed first, then kept in one transaction: SQLite would be
    locked for writing while they are computed."""
    verdicts = [past_verdicts(batch) for batch in past_batches(municipality_id)]
    with transaction.atomic(durable=True):
        return store_past_checks(verdicts)


class _HistoryContext:
    """What the targets of one municipality need, read once."""

    def __init__(self, municipality_id: int, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows
        self.positions: dict[int, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            self.positions[row[1]].append(i)
        cases = Case.objects.filter(municipality_id=municipality_id)
        self.questions = {
            pk: "\n".join(part for part in (subject, text) if part)
            for pk, subject, text in cases.values_list("pk", "subject", "text")
        }
        self.evidence: dict[int, list[datetime]] = defaultdict(list)
        for case_id, at in (
            Event.objects.filter(
                case__municipality_id=municipality_id,
                kind=Event.Kind.ATTACHMENT_ADDED,
                actor__isnull=False,
            )
            .order_by("at")
            .values_list("case_id", "at")
        ):
            self.evidence[case_id].append(at)
        links = ProblemCase.objects.filter(case__municipality_id=municipality_id)
        self.problem_of = dict(links.values_list("case_id", "problem_id"))
        self.problem_cases: dict[int, set[int]] = defaultdict(set)
        for case_id, problem_id in self.problem_of.items():
            self.problem_cases[problem_id].add(case_id)

    def excluded(self, case_id: int) -> frozenset[int]:
        problem = self.problem_of.get(case_id)
        return frozenset({case_id} | (self.problem_cases[problem] if problem else set()))

    def target(self, index: int) -> PastTarget:
        _, case_id, _, _, _, at = self.rows[index]
        earlier = tuple(
            self.rows[i][4]
            for i in self.positions[case_id]
            if i < index and self.rows[i][3] == Answer.State.SENT
        )
        return PastTarget(
            index=index,
            sent_at=at,
            question=self.questions.get(case_id, ""),
            evidence=bisect_right(self.evidence.get(case_id, []), at),
            earlier=earlier,
            excluded=self.excluded(case_id),
        )

    def window_start(self, index: int) -> int:
        """The first answer the copy check of the answer at `index` reads: far enough back
        for `RECENT_ANSWERS` answers on other problems."""
        excluded = self.excluded(self.rows[index][1])
        start = -1
        wanted = max(0, index - RECENT_ANSWERS)
        while wanted != start:
            start = wanted
            skipped = sum(
                bisect_left(self.positions[c], index) - bisect_left(self.positions[c], start)
                for c in excluded
            )
            wanted = max(0, index - RECENT_ANSWERS - skipped)
        return start


def _nearest_other(batch: PastBatch, comparable: list[str], target: PastTarget) -> list[str]:
    """The one answer, of the `RECENT_ANSWERS` before the target on other problems, that
    `check_answer` would find most alike: it keeps only the most similar, so passing that one
    gives the same verdict as passing them all, without normalising every text again."""
    chosen: list[int] = []
    for i in range(target.index - 1, -1, -1):
        if batch.answers[i].case_id not in target.excluded:
            chosen.append(i)
            if len(chosen) == RECENT_ANSWERS:
                break
    if not chosen:
        return []
    scorer: Callable[..., float] = fuzz.ratio
    best = process.extractOne(
        comparable[target.index], [comparable[i] for i in chosen], scorer=scorer
    )
    return [batch.answers[chosen[best[2]]].text] if best else []
