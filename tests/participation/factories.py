"""Small builders for the participation tests."""

from datetime import timedelta

from tests.personas import NOW, World
from veche.participation import sms
from veche.participation.models import Poll, Question, Voter
from veche.participation.services import PollData, add_question, create_poll, open_poll
from veche.participation.voting import confirm_code, request_code

LATER = NOW + timedelta(minutes=5)


def open_repair_poll(world: World, confirmation: str = Poll.Confirmation.EMAIL) -> Poll:
    """«Какой ремонт первым?»: one single, one multiple and one optional free-text question."""
    poll = create_poll(
        world.municipality,
        PollData(title="Ремонт на ул. Ленина", confirmation=confirmation),
        by=world.operator,
        now=NOW,
    )
    add_question(
        poll,
        text="Что ремонтировать первым?",
        kind=Question.Kind.SINGLE,
        required=True,
        choices=["Дорогу", "Тротуар", "Освещение"],
        by=world.operator,
    )
    add_question(
        poll,
        text="Когда удобнее работы?",
        kind=Question.Kind.MULTIPLE,
        required=False,
        choices=["Утром", "Днём", "Ночью"],
        by=world.operator,
    )
    add_question(
        poll,
        text="Что ещё?",
        kind=Question.Kind.TEXT,
        required=False,
        choices=[],
        by=world.operator,
    )
    return open_poll(poll, by=world.operator, now=NOW)


def confirmed_voter(poll: Poll, address: str, *, ip: str = "10.0.0.1") -> Voter:
    """Ask for a code by e-mail or SMS, read it from the outbox, confirm it."""
    from django.core import mail

    request_code(poll, address, ip=ip, agent="Firefox", now=NOW)
    if poll.confirmation == Poll.Confirmation.PHONE:
        text = sms.MEMORY.outbox[-1][1]
    else:
        text = str(mail.outbox[-1].body)
    code = text.split(": ", 1)[1][:6]
    voter = Voter.objects.get(pk=Voter.objects.filter(poll=poll).latest("id").pk)
    return confirm_code(poll, voter.pk, code, now=NOW)
