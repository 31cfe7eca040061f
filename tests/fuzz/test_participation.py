"""Fuzzing the public poll pages (identify → confirm → vote): whatever a resident's browser
posts gets a page or a 4xx with a reason, never a 500, and a refused ballot counts nothing."""

import itertools
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import garbage_text
from tests.participation.factories import open_repair_poll
from tests.personas import World
from veche.participation.models import Ballot, Poll

_VOTERS = itertools.count()
_VALUES = st.one_of(
    garbage_text(30).map(lambda s: s.replace("\x00", "")),
    st.sampled_from(["", "0", "-1", "99999999999999999999", "1.5", "on"]),
)


@pytest.fixture
def poll(world: World) -> Poll:
    return open_repair_poll(world)


@settings(max_examples=40)
@given(
    identity=st.one_of(st.none(), _VALUES),
    code=st.one_of(st.none(), _VALUES),
    answers=st.lists(
        st.tuples(st.integers(0, 2), st.one_of(_VALUES, st.integers(0, 2))), max_size=5
    ),
    extra=st.dictionaries(
        st.sampled_from(["q", "q0", "resident", "csrfmiddlewaretoken"]), _VALUES, max_size=2
    ),
)
def test_public_poll_posts_get_an_answer_never_a_500(
    poll: Poll,
    identity: str | None,
    code: str | None,
    answers: list[tuple[int, str | int]],
    extra: dict[str, str],
) -> None:
    cache.clear()  # the per-address throttles would answer 429 before the forms are read
    client = Client()
    base = f"/public/polls/{poll.public_key}/"
    questions = list(poll.questions.all())
    sent = len(mail.outbox)

    identified = client.post(
        base + "identify/",
        {"identity": f"v{next(_VOTERS)}@mail.ru" if identity is None else identity},
    )
    real = str(mail.outbox[-1].body).split(": ", 1)[1][:6] if len(mail.outbox) > sent else ""
    confirmed = client.post(base + "confirm/", {"code": real if code is None else code})
    # A valid ballot (the required first question answered) with the drawn answers on top.
    form: dict[str, Any] = {f"q{questions[0].pk}": [str(questions[0].choices.all()[0].pk)]}
    form |= extra
    for index, value in answers:
        question = questions[index]
        if isinstance(value, int):
            choices = list(question.choices.all())
            value = str(choices[value % len(choices)].pk) if choices else str(value)
        form[f"q{question.pk}"] = [*form.get(f"q{question.pk}", [])[1:], value]
    ballots = Ballot.objects.count()
    voted = client.post(base + "vote/", form)

    for response in (identified, confirmed, voted):
        assert response.status_code < 500, response.content[:300]
    if voted.status_code >= 400:
        assert Ballot.objects.count() == ballots
    else:  # accepted: exactly one ballot, whatever else came with it
        assert Ballot.objects.count() == ballots + 1
