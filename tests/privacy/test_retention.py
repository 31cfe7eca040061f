"""When personal data fall due: the term by the most specific rule, counted from the local
day a case entered its final status (DOMAIN.md §7.1, §8 item 20)."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.personas import World, make_case
from tests.privacy.conftest import CLOSED, finish_case
from veche.cases.services import change_status
from veche.cases.workflow import Regime, Status
from veche.privacy.errors import PrivacyError
from veche.privacy.models import DEFAULT_RETENTION_DAYS, RetentionRule
from veche.privacy.purge import due_cases
from veche.privacy.retention import entered_final, is_expired, term_days
from veche.privacy.services import set_retention_rule

T1 = datetime(2021, 1, 1, tzinfo=UTC)
T2 = datetime(2021, 2, 1, tzinfo=UTC)
T3 = datetime(2021, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("regime", "status", "days"),
    [
        ("appeal", "closed", 10),  # regime and status
        ("appeal", "rejected", 20),  # regime only
        ("message", "closed", 30),  # status only
        ("message", "rejected", 40),  # the municipality's catch-all
    ],
)
def test_the_most_specific_rule_gives_the_term(regime: str, status: str, days: int) -> None:
    terms = {("appeal", "closed"): 10, ("appeal", ""): 20, ("", "closed"): 30, ("", ""): 40}
    assert term_days(terms, regime, status) == days


def test_without_rules_the_term_is_five_years() -> None:
    assert DEFAULT_RETENTION_DAYS == 1826
    assert term_days({}, "appeal", "closed") == 1826


def test_the_term_runs_out_the_day_after_its_last_day() -> None:
    final = date(2021, 1, 11)
    assert not is_expired(final, 1826, date(2026, 1, 10))
    assert is_expired(final, 1826, date(2026, 1, 11))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ([("closed", T1)], T1),
        # Closing an answered or redirected case restarts the count.
        ([("answered", T1), ("closed", T2)], T2),
        ([("redirected", T1), ("closed", T2)], T2),
        # Reopened and closed again: counted from the second closing.
        ([("closed", T1), ("reopened", T2), ("closed", T3)], T3),
        ([("closed", T1), ("reopened", T2)], None),
        ([], None),
    ],
)
def test_the_term_counts_from_entering_the_current_final_status(
    changes: list[tuple[str, datetime]], expected: datetime | None
) -> None:
    assert entered_final(changes) == expected


def test_a_case_falls_due_on_the_local_day_its_term_runs_out(
    world: World, django_capture_on_commit_callbacks: Any, media: Any
) -> None:
    case = finish_case(world, django_capture_on_commit_callbacks).case
    # Closed 11.01.2021 in Moscow (10.01 21:30 UTC): five years end on 10.01.2026.
    assert [d.case_id for d in due_cases(world.municipality, today=date(2026, 1, 10))] == []
    due = list(due_cases(world.municipality, today=date(2026, 1, 11)))
    assert [(d.case_id, d.final_at, d.days) for d in due] == [(case.pk, CLOSED, 1826)]


def test_a_rule_of_the_municipality_shortens_the_term(world: World, media: Any) -> None:
    case = make_case(world.municipality, regime=Regime.MESSAGE, received_at=CLOSED)
    change_status(case, Status.REJECTED, by=None, now=CLOSED)
    set_retention_rule(
        world.municipality, regime="message", status="", days=30, by=world.head, now=CLOSED
    )
    assert [d.case_id for d in due_cases(world.municipality, today=date(2021, 2, 9))] == []
    assert [d.case_id for d in due_cases(world.municipality, today=date(2021, 2, 10))] == [case.pk]
    # The neighbour's rules do not apply here, and open cases never fall due.
    assert list(due_cases(world.neighbour, today=date(2030, 1, 1))) == []


def test_an_open_case_never_falls_due(world: World) -> None:
    make_case(world.municipality, received_at=CLOSED)
    assert list(due_cases(world.municipality, today=date(2040, 1, 1))) == []


@pytest.mark.parametrize("persona", ["housing_executor", "operator", "neighbour_operator"])
def test_only_the_head_or_admin_sets_terms(world: World, persona: str) -> None:
    with pytest.raises(PrivacyError):
        set_retention_rule(
            world.municipality,
            regime="",
            status="",
            days=10,
            by=getattr(world, persona),
            now=CLOSED,
        )
    assert RetentionRule.objects.count() == 0


@pytest.mark.parametrize(
    ("regime", "status", "days"), [("nonsense", "", 10), ("", "open", 10), ("", "", 0)]
)
def test_a_bad_rule_is_refused(world: World, regime: str, status: str, days: int) -> None:
    with pytest.raises(PrivacyError):
        set_retention_rule(
            world.municipality, regime=regime, status=status, days=days, by=world.head, now=T1
        )
    assert RetentionRule.objects.count() == 0
