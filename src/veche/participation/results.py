"""Reading polls: the polls a person may see, and the results counted from the answer rows.

Results are counted on read — one grouped query per poll — so they are exactly the ballots
committed, whatever the concurrency. Flagged ballots are counted and reported beside the
totals for the МЦУ to judge; nothing is silently dropped."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from veche.org.access import Action as Do
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.participation.models import Answer, Ballot, Poll, Question


@dataclass
class ChoiceResult:
    label: str
    count: int
    percent: int


@dataclass
class QuestionResult:
    question: Question
    answered: int
    choices: list[ChoiceResult] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class PollResults:
    poll: Poll
    ballots: int
    flagged: int
    questions: list[QuestionResult]


def visible_polls(actor: User) -> QuerySet[Poll]:
    return Poll.objects.filter(
        municipality_id__in=actor_scope(actor).municipality_ids(Do.VIEW)
    ).select_related("municipality", "territory")


def poll_results(poll: Poll, *, with_texts: bool = True) -> PollResults:
    ballots = Ballot.objects.filter(poll=poll)
    counts = {
        row["choice_id"]: row["n"]
        for row in Answer.objects.filter(ballot__poll=poll, choice__isnull=False)
        .values("choice_id")
        .annotate(n=Count("id"))
    }
    answered = {
        row["question_id"]: row["n"]
        for row in Answer.objects.filter(ballot__poll=poll)
        .values("question_id")
        .annotate(n=Count("ballot_id", distinct=True))
    }
    out = []
    for q in poll.questions.prefetch_related("choices"):
        result = QuestionResult(q, answered.get(q.pk, 0))
        base = result.answered or 1
        result.choices = [
            ChoiceResult(c.text, counts.get(c.pk, 0), round(100 * counts.get(c.pk, 0) / base))
            for c in q.choices.all()
        ]
        if with_texts and q.kind == Question.Kind.TEXT:
            result.texts = list(
                Answer.objects.filter(question=q)
                .order_by("ballot__cast_at", "id")
                .values_list("text", flat=True)
            )
        out.append(result)
    return PollResults(poll, ballots.count(), ballots.exclude(flag="").count(), out)
