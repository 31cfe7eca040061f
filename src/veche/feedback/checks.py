"""The brush-off check applied to stored answers: what it needs from the case (the question,
the evidence attached, earlier answers, answers on other problems) and what it concludes."""

from datetime import datetime

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Answer, Event
from veche.feedback.brushoff import Verdict, check_answer
from veche.feedback.models import AnswerCheck, QualityPolicy
from veche.problems.models import ProblemCase

RECENT_ANSWERS = 200  # answers on other problems compared for copies


def check_stored_answer(answer: Answer, *, now: datetime) -> AnswerCheck:
    """Check the answer and keep the result (one row per answer, replaced on each check)."""
    verdict = _verdict(answer)
    check, _ = AnswerCheck.objects.update_or_create(
        answer=answer,
        defaults={
            "checked_at": now,
            "brush_off": verdict.brush_off,
            "score": verdict.score,
            "findings": [
                {
                    "criterion": f.criterion.value,
                    "label": f.criterion.label,
                    "passed": f.passed,
                    "detail": f.detail,
                    "advice": f.criterion.advice,
                }
                for f in verdict.findings
            ],
        },
    )
    return check


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
