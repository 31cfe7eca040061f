"""The satisfaction survey: a sent final answer gets one link; the citizen rates once, before
it expires; an unhappy rating reopens the case or goes to the МЦУ for review; a repeat by the
same author on the same problem is counted against the answer."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.personas import NOW, World, make_case
from veche.cases.models import Answer, Case, Event
from veche.cases.services import (
    CaseDraft,
    CitizenData,
    approve_answer,
    assign_case,
    change_status,
    create_case,
    draft_answer,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel
from veche.feedback import public_views
from veche.feedback.models import Repeat, Survey, SurveyPolicy
from veche.feedback.services import (
    SurveyError,
    SurveyErrorCode,
    link_for,
    note_repeats,
    rate,
    token_for,
)
from veche.intake.views.public import status_url

ANSWER = (
    "Яму во дворе дома 5 по улице Ленина заделали асфальтом 20 ноября, работы выполнил "
    "подрядчик МБУ «Благоустройство»."
)
AUTHOR = CitizenData(full_name="Петрова Анна Сергеевна", phone="+7 912 000-11-22")


def _answered(world: World, capture: Any, *, kind: Answer.Kind = Answer.Kind.FINAL) -> Case:
    """A case whose answer has just been sent through ПОС (no channel of Veche's own)."""
    case = make_case(world.municipality, author=AUTHOR, regime=Regime.APPEAL)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, ANSWER, by=world.housing_executor, now=NOW, kind=kind)
    approve_answer(answer, by=world.head, now=NOW)
    with capture(execute=True):
        record_answer_sent(answer, at=NOW, via="pos")
    case.refresh_from_db()
    return case


@pytest.fixture
def answered(world: World, django_capture_on_commit_callbacks: Any) -> Case:
    return _answered(world, django_capture_on_commit_callbacks)


def _path(survey: Survey) -> str:
    return f"/feedback/r/{token_for(survey)}/"


def _ratings(case: Case) -> list[Event]:
    return list(case.events.filter(kind=Event.Kind.RATING))


# --- the link -----------------------------------------------------------------------------------


def test_a_sent_final_answer_gets_one_survey_and_a_page_without_personal_data(
    answered: Case,
) -> None:
    survey = Survey.objects.get(case=answered)
    assert survey.asked_via == "pos"
    assert survey.expires_at - survey.created_at == timedelta(days=14)
    assert survey.answered_at is None

    page = Client().get(_path(survey))

    assert page.status_code == 200
    html = page.content.decode()
    assert answered.number in html and "заделали асфальтом 20 ноября" in html
    assert "Проблема решена?" in html and 'name="csrfmiddlewaretoken"' in html
    assert "Петрова" not in html and "000-11-22" not in html
    assert page["X-Robots-Tag"] == "noindex"


def test_an_interim_answer_gets_no_survey(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    case = _answered(world, django_capture_on_commit_callbacks, kind=Answer.Kind.INTERIM)

    assert not Survey.objects.filter(case=case).exists()


def test_the_link_is_absolute_from_the_public_url(answered: Case, settings: Any) -> None:
    settings.VECHE_PUBLIC_URL = "https://обращения.example.ru"
    survey = Survey.objects.get(case=answered)

    assert link_for(survey) == f"https://обращения.example.ru{_path(survey)}"


def test_a_wrong_or_forged_token_is_a_clear_404(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)
    token = token_for(survey)
    forged = token.replace(f"{survey.pk}-", f"{survey.pk + 1}-", 1)
    client = Client()

    for bad in ("nonsense", forged, token[:-2]):
        page = client.get(f"/feedback/r/{bad}/")
        assert page.status_code == 404
        assert "Ссылка для оценки неверна." in page.content.decode()
    with pytest.raises(SurveyError) as error:
        rate(forged, 5, True, now=NOW)
    assert error.value.code == SurveyErrorCode.NOT_FOUND


# --- rating -------------------------------------------------------------------------------------


def test_an_unhappy_rating_through_the_page_reopens_the_case(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)
    client = Client(enforce_csrf_checks=True)
    page = client.get(_path(survey))
    csrf = page.cookies["csrftoken"].value
    form = {"rating": "2", "solved": "no", "comment": "Яма осталась", "csrfmiddlewaretoken": csrf}

    sent = client.post(_path(survey), form)

    assert sent.status_code == 302 and sent["Location"] == f"{_path(survey)}thanks/"
    answered.refresh_from_db()
    assert answered.status == Status.REOPENED
    [event] = _ratings(answered)
    assert event.comment == "Оценка заявителя: 2 из 5, не решено. Комментарий: Яма осталась"
    assert event.after == {
        "survey": survey.pk,
        "rating": 2,
        "solved": False,
        "via": "web",
        "review": False,
        "answer": survey.answer_id,
        "reopened": True,
    }
    reopened = answered.events.get(kind=Event.Kind.STATUS_CHANGED, after={"status": "reopened"})
    assert reopened.actor is None
    survey.refresh_from_db()
    assert (survey.rating, survey.solved, survey.outcome) == (2, False, Survey.Outcome.REOPENED)
    thanks = client.get(sent["Location"]).content.decode()
    assert f"Обращение {answered.number} возобновлено" in thanks


def test_the_form_refuses_a_post_without_the_csrf_token(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)

    page = Client(enforce_csrf_checks=True).post(_path(survey), {"rating": "1"})

    assert page.status_code == 403
    assert _ratings(answered) == []


def test_a_rating_is_required_and_nothing_is_kept_without_it(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)

    page = Client().post(_path(survey), {"solved": "no", "comment": "плохо"})

    assert page.status_code == 400
    assert "Выберите оценку от 1 до 5." in page.content.decode()
    assert _ratings(answered) == []


def test_a_link_rates_once_and_a_second_try_is_refused(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)
    token = token_for(survey)
    rate(token, 4, True, now=NOW + timedelta(hours=1))

    with pytest.raises(SurveyError) as error:
        rate(token, 1, False, now=NOW + timedelta(hours=2))
    page = Client().post(_path(survey), {"rating": "1", "solved": "no"})

    assert error.value.code == SurveyErrorCode.ANSWERED
    assert page.status_code == 400
    assert "Оценка по этой ссылке уже получена" in page.content.decode()
    survey.refresh_from_db()
    assert survey.rating == 4
    assert len(_ratings(answered)) == 1


def test_an_expired_link_is_refused_with_410(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)

    with pytest.raises(SurveyError) as error:
        rate(token_for(survey), 1, False, now=survey.expires_at)
    Survey.objects.filter(pk=survey.pk).update(expires_at=NOW)
    page = Client().get(_path(survey))

    assert error.value.code == SurveyErrorCode.EXPIRED
    assert page.status_code == 410
    assert "Срок, в который можно оценить ответ, истёк" in page.content.decode()
    assert _ratings(answered) == []


def test_a_happy_rating_changes_nothing_but_the_timeline(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)

    rate(token_for(survey), 5, True, "Спасибо!", now=NOW)

    answered.refresh_from_db()
    assert answered.status == Status.ANSWERED
    [event] = _ratings(answered)
    assert event.comment == "Оценка заявителя: 5 из 5, решено. Комментарий: Спасибо!"
    assert event.after["reopened"] is False and event.after["review"] is False
    survey.refresh_from_db()
    assert survey.outcome == Survey.Outcome.UNCHANGED


def test_not_solved_is_unhappy_whatever_the_mark_unless_the_municipality_says_otherwise(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    first = _answered(world, django_capture_on_commit_callbacks)
    rate(token_for(Survey.objects.get(case=first)), 4, False, now=NOW)
    first.refresh_from_db()
    assert first.status == Status.REOPENED

    SurveyPolicy.objects.create(municipality=world.municipality, unsolved_is_unhappy=False)
    second = _answered(world, django_capture_on_commit_callbacks)
    rate(token_for(Survey.objects.get(case=second)), 4, False, now=NOW)
    second.refresh_from_db()
    assert second.status == Status.ANSWERED


def test_the_municipality_may_send_unhappy_ratings_to_the_centre_for_review(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    SurveyPolicy.objects.create(
        municipality=world.municipality, on_unhappy=SurveyPolicy.Unhappy.REVIEW, valid_days=3
    )
    case = _answered(world, django_capture_on_commit_callbacks)
    survey = Survey.objects.get(case=case)
    assert survey.expires_at - survey.created_at == timedelta(days=3)

    rate(token_for(survey), 1, None, now=NOW)

    case.refresh_from_db()
    assert case.status == Status.ANSWERED
    [event] = _ratings(case)
    assert event.comment == "Оценка заявителя: 1 из 5. Передано на разбор в МЦУ."
    assert event.after["review"] is True and event.after["reopened"] is False
    survey.refresh_from_db()
    assert survey.outcome == Survey.Outcome.REVIEW


def test_a_case_that_cannot_be_reopened_goes_to_review_instead(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)
    change_status(answered, Status.CLOSED, by=None, now=NOW)
    change_status(answered, Status.REOPENED, by=None, now=NOW)  # an officer reopened it already

    rate(token_for(survey), 1, False, now=NOW)

    survey.refresh_from_db()
    assert survey.outcome == Survey.Outcome.REVIEW
    [event] = _ratings(answered)
    assert event.after["reopened"] is False


def test_a_flood_of_ratings_from_one_address_is_throttled(
    answered: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public_views, "PER_HOUR", 0)
    survey = Survey.objects.get(case=answered)

    page = Client().post(_path(survey), {"rating": "1", "solved": "no"})

    assert page.status_code == 429
    assert _ratings(answered) == []


def test_the_public_status_page_shows_the_rating_link_while_it_is_open(answered: Case) -> None:
    survey = Survey.objects.get(case=answered)
    client = Client()

    Answer.objects.filter(pk=survey.answer_id).update(state=Answer.State.APPROVED)
    unsent = client.get(status_url(answered)).content.decode()
    Answer.objects.filter(pk=survey.answer_id).update(state=Answer.State.SENT)
    before = client.get(status_url(answered)).content.decode()
    rate(token_for(survey), 3, None, now=NOW)
    after = client.get(status_url(answered)).content.decode()

    assert f"{settings.VECHE_PUBLIC_URL}{_path(survey)}" in before
    assert "Оцените ответ" in before
    assert _path(survey) not in unsent  # asked on the way out, not delivered: no link yet
    assert _path(survey) not in after


# --- repeats ------------------------------------------------------------------------------------


def _new_case(world: World, *, days: int, author: CitizenData = AUTHOR) -> Case:
    draft = CaseDraft(
        channel=Channel.objects.get(code="pos"),
        regime=Regime.MESSAGE,
        text="Яма во дворе дома 5 по улице Ленина снова на месте.",
        received_at=NOW + timedelta(days=days),
        author=author,
        topic_id=world.topic_pits.pk,
    )
    case, _ = create_case(world.municipality, draft, by=None, now=draft.received_at)
    return case


def test_a_repeat_by_the_same_author_on_the_same_problem_counts_against_the_answer(
    world: World, answered: Case, django_capture_on_commit_callbacks: Any
) -> None:
    Case.objects.filter(pk=answered.pk).update(topic=world.topic_pits)
    answer = answered.answers.get()

    with django_capture_on_commit_callbacks(execute=True):
        again = _new_case(world, days=5)

    [repeat] = Repeat.objects.all()
    assert (repeat.case, repeat.answer) == (again, answer)
    event = again.events.get(kind=Event.Kind.REPEAT)
    assert event.comment == (
        f"Повторное обращение после ответа от 23.11.2026 по обращению {answered.number}."
    )
    assert event.after == {"answer": answer.pk, "case": answered.pk}
    assert note_repeats([again.pk], now=NOW) == []  # counted once
    assert answer.repeats.count() == 1


def test_no_repeat_from_another_author_another_topic_or_after_the_window(
    world: World, answered: Case
) -> None:
    Case.objects.filter(pk=answered.pk).update(topic=world.topic_pits)
    stranger = _new_case(world, days=5, author=CitizenData(full_name="Сидоров", phone="+7 1"))
    late = _new_case(world, days=61)
    other_topic = _new_case(world, days=5)
    Case.objects.filter(pk=other_topic.pk).update(topic=world.topic_heating)

    assert note_repeats([stranger.pk, late.pk, other_topic.pk], now=NOW) == []
    assert not Event.objects.filter(kind=Event.Kind.REPEAT).exists()
