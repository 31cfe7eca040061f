"""Voting: a code proves the identity, one ballot per person, anti-fraud checks, and the
results counted exactly from the ballots."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from tests.participation.factories import LATER, confirmed_voter, open_repair_poll
from tests.personas import NOW, World
from veche.cases.errors import CaseError, ErrorCode
from veche.participation import identity, sms
from veche.participation.models import Answer, Ballot, Poll, Voter
from veche.participation.results import poll_results
from veche.participation.services import close_poll
from veche.participation.voting import (
    MAX_WRONG_CODES,
    cast_ballot,
    confirm_code,
    parse_selections,
    request_code,
)


@pytest.fixture(autouse=True)
def _memory_sms(settings: Any) -> None:
    settings.VECHE_SMS_GATEWAY = "memory"
    sms.MEMORY.outbox.clear()


def _vote(poll: Poll, voter: Voter, *, first: int, times: list[int], text: str = "") -> Ballot:
    questions = list(poll.questions.all())
    choices = [list(q.choices.all()) for q in questions]
    raw = {
        questions[0].pk: [str(choices[0][first].pk)],
        questions[1].pk: [str(choices[1][i].pk) for i in times],
        questions[2].pk: [text],
    }
    return cast_ballot(poll, voter.pk, parse_selections(questions, raw), ip="10.0.0.1", now=LATER)


def test_email_code_confirms_the_voter_and_stores_no_address(world: World) -> None:
    poll = open_repair_poll(world)
    voter = confirmed_voter(poll, "  Ivan@Mail.RU ")

    assert voter.confirmed_at == NOW
    assert mail.outbox[-1].to == ["ivan@mail.ru"]
    row = Voter.objects.values().get(pk=voter.pk)
    assert "ivan" not in str(row) and row["code_hash"] == ""
    assert row["identity_hash"] == identity.keyed_hash("email", "ivan@mail.ru")


def test_phone_code_goes_through_the_sms_gateway(world: World) -> None:
    poll = open_repair_poll(world, Poll.Confirmation.PHONE)
    voter = confirmed_voter(poll, "8 (912) 345-67-89")

    assert voter.confirmed_at == NOW
    assert sms.MEMORY.outbox[0][0] == "+79123456789"


def test_wrong_codes_count_and_then_lock(world: World) -> None:
    poll = open_repair_poll(world)
    voter = request_code(poll, "ivan@mail.ru", ip="10.0.0.1", agent="", now=NOW)
    for _ in range(MAX_WRONG_CODES):
        assert confirm_code(poll, voter.pk, "000000x", now=NOW).confirmed_at is None
    real = str(mail.outbox[-1].body).split(": ", 1)[1][:6]
    with pytest.raises(CaseError) as refused:
        confirm_code(poll, voter.pk, real, now=NOW)
    assert refused.value.code == ErrorCode.FORBIDDEN
    assert Voter.objects.get(pk=voter.pk).confirmed_at is None


def test_an_expired_code_does_not_confirm(world: World) -> None:
    poll = open_repair_poll(world)
    voter = request_code(poll, "ivan@mail.ru", ip="", agent="", now=NOW)
    real = str(mail.outbox[-1].body).split(": ", 1)[1][:6]
    assert confirm_code(poll, voter.pk, real, now=NOW + timedelta(hours=1)).confirmed_at is None
    assert confirm_code(poll, voter.pk, real, now=NOW + timedelta(minutes=29)).confirmed_at


def test_a_code_is_not_resent_within_a_minute(world: World) -> None:
    poll = open_repair_poll(world)
    request_code(poll, "ivan@mail.ru", ip="", agent="", now=NOW)
    with pytest.raises(CaseError, match="через минуту"):
        request_code(poll, "IVAN@mail.ru", ip="", agent="", now=NOW + timedelta(seconds=30))
    request_code(poll, "ivan@mail.ru", ip="", agent="", now=NOW + timedelta(seconds=61))
    assert len(mail.outbox) == 2 and Voter.objects.count() == 1


@pytest.mark.parametrize("raw", ["ivan@mailinator.com", "x@sub.yopmail.com", "не почта", "a@b"])
def test_disposable_and_malformed_addresses_are_refused(world: World, raw: str) -> None:
    poll = open_repair_poll(world)
    with pytest.raises(CaseError) as refused:
        request_code(poll, raw, ip="", agent="", now=NOW)
    assert refused.value.code == ErrorCode.INVALID
    assert Voter.objects.count() == 0 and mail.outbox == []


def test_too_many_identities_from_one_address_are_refused(world: World) -> None:
    poll = open_repair_poll(world)
    for i in range(20):
        request_code(poll, f"v{i}@mail.ru", ip="10.9.9.9", agent="", now=NOW)
    with pytest.raises(CaseError, match="Слишком много запросов"):
        request_code(poll, "v20@mail.ru", ip="10.9.9.9", agent="", now=NOW)
    request_code(poll, "v20@mail.ru", ip="10.9.9.9", agent="", now=NOW + timedelta(hours=2))
    assert Voter.objects.count() == 21


def test_one_ballot_per_voter_and_the_second_is_a_conflict(world: World) -> None:
    poll = open_repair_poll(world)
    voter = confirmed_voter(poll, "ivan@mail.ru")
    _vote(poll, voter, first=1, times=[0, 2], text="Лавочки")
    with pytest.raises(CaseError) as second:
        _vote(poll, voter, first=0, times=[])
    assert second.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert str(second.value) == "Вы уже проголосовали в этом опросе."
    assert Ballot.objects.count() == 1 and Answer.objects.count() == 4


def test_an_unconfirmed_voter_cannot_vote(world: World) -> None:
    poll = open_repair_poll(world)
    voter = request_code(poll, "ivan@mail.ru", ip="", agent="", now=NOW)
    with pytest.raises(CaseError) as refused:
        _vote(poll, voter, first=0, times=[])
    assert refused.value.code == ErrorCode.FORBIDDEN and Ballot.objects.count() == 0


def test_answers_are_checked_against_the_questions(world: World) -> None:
    poll = open_repair_poll(world)
    questions = list(poll.questions.all())
    first = [str(c.pk) for c in questions[0].choices.all()]
    with pytest.raises(CaseError, match="выберите один вариант"):
        parse_selections(questions, {questions[0].pk: first[:2]})
    with pytest.raises(CaseError, match="Ответьте на вопрос"):
        parse_selections(questions, {questions[1].pk: []})
    other = str(questions[1].choices.first().pk)  # type: ignore[union-attr]
    with pytest.raises(CaseError, match="Неизвестный вариант"):
        parse_selections(questions, {questions[0].pk: [other]})


def test_no_vote_after_the_poll_is_closed(world: World) -> None:
    poll = open_repair_poll(world)
    voter = confirmed_voter(poll, "ivan@mail.ru")
    close_poll(poll, by=world.operator, now=NOW + timedelta(minutes=1))
    with pytest.raises(CaseError, match="не идёт"):
        _vote(poll, voter, first=0, times=[])


def test_results_count_each_choice_and_flag_many_ballots_from_one_address(world: World) -> None:
    poll = open_repair_poll(world)
    picks = [(0, [0]), (0, [0, 1]), (1, []), (2, [2]), (0, [1]), (1, [0])]
    for i, (first, times) in enumerate(picks):
        _vote(poll, confirmed_voter(poll, f"v{i}@mail.ru"), first=first, times=times, text=f"т{i}")

    results = poll_results(poll)
    single, multiple, text = results.questions
    assert results.ballots == 6 and results.flagged == 2  # the 5th and 6th from 10.0.0.1
    assert [(c.label, c.count, c.percent) for c in single.choices] == [
        ("Дорогу", 3, 50),
        ("Тротуар", 2, 33),
        ("Освещение", 1, 17),
    ]
    assert multiple.answered == 5
    assert [c.count for c in multiple.choices] == [3, 2, 1]
    assert text.texts == [f"т{i}" for i in range(6)]


def test_expired_polls_are_closed_once_and_publish_results(world: World) -> None:
    from veche.participation.services import close_expired_polls
    from veche.participation.tasks import close_expired_polls_task

    poll = open_repair_poll(world)
    Poll.objects.filter(pk=poll.pk).update(closes_at=NOW + timedelta(days=1))
    assert close_expired_polls(now=NOW) == 0
    assert close_expired_polls(now=NOW + timedelta(days=1)) == 1
    assert close_expired_polls(now=NOW + timedelta(days=2)) == 0
    assert Poll.objects.get().status == Poll.Status.CLOSED
    assert close_expired_polls_task.call_local() == 0


def test_a_mail_server_failure_is_a_readable_refusal(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    poll = open_repair_poll(world)
    with pytest.raises(CaseError, match="Письмо не отправлено"):
        request_code(poll, "ivan@mail.ru", ip="", agent="", now=NOW)
