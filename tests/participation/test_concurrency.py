"""Vote counting is right under concurrent voting (issue 8, «Done means»): 20 residents vote
at once, each from two tabs at the same moment, while more residents are confirming. Real
threads, real transactions; PostgreSQL only (the SQLite test database is one shared in-memory
file that refuses a second writer instead of queueing it; the sequential path is in
test_voting.py)."""

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from tests.participation.factories import LATER, confirmed_voter, open_repair_poll
from tests.personas import World
from veche.cases.errors import CaseError
from veche.participation.models import Answer, Ballot, Voter
from veche.participation.results import poll_results
from veche.participation.voting import cast_ballot, parse_selections

VOTERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_residents_voting_twice_at_once_are_counted_once_each(
    seeded_channels: None, world: World, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency: PostgreSQL only")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    poll = open_repair_poll(world)
    voters = [confirmed_voter(poll, f"v{i}@mail.ru", ip=f"10.0.{i}.1") for i in range(VOTERS)]
    questions = list(poll.questions.all())
    first = list(questions[0].choices.all())
    times = list(questions[1].choices.all())
    # Resident i picks first[i % 3]; the residents with an even number also tick two times.
    expected_first = Counter(first[i % 3].text for i in range(VOTERS))
    start = threading.Barrier(2 * VOTERS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def vote(i: int, tab: int) -> None:
        raw = {
            questions[0].pk: [str(first[i % 3].pk)],
            questions[1].pk: [str(times[0].pk), str(times[tab + 1].pk)] if i % 2 == 0 else [],
        }
        try:
            selections = parse_selections(questions, raw)
            start.wait(timeout=30)
            cast_ballot(poll, voters[i].pk, selections, ip=f"10.0.{i}.1", now=LATER)
            outcome = "cast"
        except CaseError as error:
            outcome = str(error.code)
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [
        threading.Thread(target=vote, args=(i, tab)) for i in range(VOTERS) for tab in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == {"cast": VOTERS, "transition_not_allowed": VOTERS}
    assert Ballot.objects.count() == VOTERS
    assert set(Ballot.objects.values_list("voter_id", flat=True)) == {v.pk for v in voters}
    assert Voter.objects.filter(confirmed_at__isnull=False).count() == VOTERS
    results = poll_results(poll)
    assert results.ballots == VOTERS and results.flagged == 0
    single, multiple, _ = results.questions
    assert {c.label: c.count for c in single.choices} == expected_first
    assert multiple.answered == VOTERS // 2
    assert multiple.choices[0].count == VOTERS // 2  # «Утром» ticked once per even resident
    assert multiple.choices[1].count + multiple.choices[2].count == VOTERS // 2
    # Each ballot has exactly the answers of the tab that won, never a mix of two tabs.
    per_ballot = Counter(Answer.objects.values_list("ballot_id", flat=True))
    assert sorted(per_ballot.values()) == sorted([1, 3] * (VOTERS // 2))
