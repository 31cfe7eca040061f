"""The demo's answers as a real МЦУ has them: photos under reports of finished work, every
sent final answer checked for brush-offs as at approval, and citizens' ratings — so the
dashboard's «Похоже на отписку», «Удовлетворённость» and «Решено» have figures."""

import random
from datetime import UTC, datetime, timedelta
from statistics import mean

import pytest

from veche.analytics.indicators import Filters, Indicator, Period, values
from veche.cases.models import Answer, Attachment, Event
from veche.demo.answers import BRUSH_OFFS, has_photos
from veche.demo.builder import DemoResult, build_demo
from veche.demo.quality import ANSWERED, Sent, citizen_reply
from veche.feedback.checks import check_stored_answer
from veche.feedback.models import AnswerCheck, Survey
from veche.org.models import User

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo() -> DemoResult:
    return build_demo(cases=300, seed=7, now=NOW)


def _sent_finals() -> list[Answer]:
    return list(
        Answer.objects.filter(kind=Answer.Kind.FINAL, state=Answer.State.SENT)
        .select_related("case__channel")
        .order_by("sent_at", "pk")
    )


def _is_brush_off(text: str) -> bool:
    return any(phrase in text for phrase in BRUSH_OFFS)


def _is_good(text: str) -> bool:
    return not _is_brush_off(text) and "не подтвердились" not in text


def test_every_sent_final_answer_is_checked_and_nothing_else(demo: DemoResult) -> None:
    finals = {a.pk for a in _sent_finals()}

    checked = set(AnswerCheck.objects.values_list("answer_id", flat=True))

    assert len(finals) > 150
    assert checked == finals


def test_deliberate_brush_offs_are_flagged_and_good_answers_mostly_not(demo: DemoResult) -> None:
    rows = list(AnswerCheck.objects.values_list("answer__text", "brush_off"))
    brush_offs = [flagged for text, flagged in rows if _is_brush_off(text)]
    good = [flagged for text, flagged in rows if _is_good(text)]

    assert len(brush_offs) >= 10
    assert sum(brush_offs) / len(brush_offs) >= 0.9
    assert sum(good) / len(good) <= 0.4


def test_the_check_of_the_latest_answer_is_the_one_made_at_approval(demo: DemoResult) -> None:
    latest = _sent_finals()[-1]
    stored = AnswerCheck.objects.get(answer=latest)
    recorded = (stored.brush_off, stored.score, stored.findings)

    again = check_stored_answer(latest, now=NOW)

    assert (again.brush_off, again.score, again.findings) == recorded


def test_answers_that_mention_photos_have_them_attached_by_staff(demo: DemoResult) -> None:
    with_photos = [a for a in _sent_finals() if has_photos(a.text)]
    added = Event.objects.filter(kind=Event.Kind.ATTACHMENT_ADDED, actor__isnull=False)

    assert len(with_photos) > 100
    for answer in with_photos:
        sent_at = answer.sent_at
        assert sent_at is not None
        moments = added.filter(case_id=answer.case_id, at__lte=sent_at)
        assert moments.exists(), answer.pk
    assert Attachment.objects.count() == added.count() == len(with_photos)


def test_every_sent_final_answer_is_asked_about_and_some_are_rated(demo: DemoResult) -> None:
    finals = _sent_finals()
    asking = [a for a in finals if a.case.channel.code in ANSWERED]
    surveys = {s.answer_id: s for s in Survey.objects.all()}
    rated = [s for s in surveys.values() if s.answered_at is not None]

    assert set(surveys) == {a.pk for a in finals}
    assert 0.3 <= len(rated) / len(asking) <= 0.5
    for answer in finals:
        survey = surveys[answer.pk]
        assert (survey.asked_via, survey.created_at) == (answer.case.channel.code, answer.sent_at)
        if survey.answered_at is None or answer.sent_at is None:
            continue
        assert answer.case.channel.code in ANSWERED
        assert answer.sent_at < survey.answered_at <= NOW
        assert survey.answered_at < survey.expires_at
        assert survey.rating in range(1, 6)


def test_each_rating_is_on_the_timeline_and_reopens_nothing(demo: DemoResult) -> None:
    rated = Survey.objects.filter(answered_at__isnull=False).order_by("pk")
    events = Event.objects.filter(kind=Event.Kind.RATING).order_by("after__survey")

    assert [(e.case_id, e.at, e.after["survey"], e.after["rating"]) for e in events] == [
        (s.case_id, s.answered_at, s.pk, s.rating) for s in rated
    ]
    assert {e.after["reopened"] for e in events} == {False}
    assert set(rated.values_list("outcome", flat=True)) == {
        Survey.Outcome.UNCHANGED,
        Survey.Outcome.REVIEW,
    }
    reopenings = Event.objects.filter(kind=Event.Kind.STATUS_CHANGED, after__status="reopened")
    assert not reopenings.filter(actor=None).exists()


def test_ratings_follow_the_answer_and_say_whether_it_was_solved(demo: DemoResult) -> None:
    ratings = list(Survey.objects.filter(answered_at__isnull=False).values_list("rating", "solved"))

    assert {rating for rating, _ in ratings} == {1, 2, 3, 4, 5}
    assert {solved for _, solved in ratings} == {True, False, None}


@pytest.mark.parametrize(
    ("text", "flagged", "low", "high"),
    [
        (f"Уважаемый заявитель! {BRUSH_OFFS[0]}", True, 1.0, 2.2),
        ("Уважаемый заявитель! 12.03.2026 яма заделана. Фотоматериалы прилагаются.", False, 4.0, 5),
        ("Уважаемый заявитель! 12.03.2026 яма заделана.", True, 3.2, 4.0),
    ],
)
def test_a_brush_off_is_rated_low_and_a_good_answer_high(
    text: str, flagged: bool, low: float, high: float
) -> None:
    answer = Sent(1, 1, "email", text, NOW, None)
    rng = random.Random(1)

    replies = [citizen_reply(answer, None, flagged, rng) for _ in range(2000)]
    marks = [reply[1].rating for reply in replies if reply is not None]

    assert 0.35 < len(marks) / len(replies) < 0.45  # e-mail: 40% answer
    assert low <= mean(marks) <= high


def test_a_reopened_case_was_rated_unhappy_before_it_was_reopened() -> None:
    answer = Sent(1, 1, "pos", "Уважаемый заявитель! 12.03.2026 яма заделана.", NOW, None)
    reopen = NOW + timedelta(days=2)
    rng = random.Random(1)

    replies = [citizen_reply(answer, reopen, False, rng) for _ in range(200)]
    given = [reply for reply in replies if reply is not None]

    assert len(given) > 100
    assert all(NOW < at < reopen for at, _, _ in given)
    assert {(rating.rating <= 2, rating.solved) for _, rating, _ in given} == {(True, False)}


def test_the_dashboard_shows_brush_offs_satisfaction_and_solved(demo: DemoResult) -> None:
    october = Period.month(2026, 10)
    wanted = [Indicator.BRUSH_OFF, Indicator.SATISFACTION, Indicator.SOLVED]
    curator = User.objects.get(username="curator")

    found = values(wanted, curator, demo.municipality.pk, october, Filters(), NOW)

    shares = [found[i] for i in wanted]
    assert None not in shares, found
    assert all(0 < share < 1 for share in shares if share is not None), found


def test_reset_gives_the_same_checks_and_ratings(demo: DemoResult) -> None:
    def seen() -> list[tuple[str, bool, int | None, bool | None]]:
        return list(
            Survey.objects.order_by("answer__sent_at", "answer__case__number").values_list(
                "answer__text", "answer__quality_check__brush_off", "rating", "solved"
            )
        )

    before = seen()

    build_demo(cases=300, seed=7, now=NOW, reset=True)

    assert seen() == before
