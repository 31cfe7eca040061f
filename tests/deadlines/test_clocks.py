"""Deadline clocks: the arithmetic table-driven against dates written down from the official
production calendars (ПП РФ № 1306 for 2024, № 1335 for 2025, № 1466 for 2026), then the
clocks following cases through the workflow. Every expected date below was counted by hand
on the printed calendar, not by the code under test."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.personas import World, make_case
from veche.cases.models import Case, Event
from veche.cases.services import (
    CaseDraft,
    Step,
    approve_answer,
    assign_case,
    change_status,
    draft_answer,
    record_answer_sent,
    record_cases,
)
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel
from veche.deadlines.calendar import DayOffRule, ProductionCalendar
from veche.deadlines.calendar_file import shipped_years
from veche.deadlines.clocks import ClockState, Term, Unit, due_at
from veche.deadlines.errors import DeadlineError, ErrorCode
from veche.deadlines.models import CalendarOverride, Clock, DeadlinePolicy
from veche.deadlines.selectors import clock_figures, due_clocks
from veche.deadlines.services import (
    extend_deadline,
    recompute_open_clocks,
    record_promised_date,
    start_clocks,
)

MSK = ZoneInfo("Europe/Moscow")
S = Status
PREVIOUS, NEXT = DayOffRule.PREVIOUS_WORKING_DAY, DayOffRule.NEXT_WORKING_DAY


def msk(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=MSK).astimezone(UTC)


def through(y: int, m: int, d: int) -> datetime:
    """A day term's end: local midnight after the last day."""
    return msk(y, m, d) + timedelta(days=1)


@pytest.fixture(scope="module")
def calendar() -> ProductionCalendar:
    return ProductionCalendar(shipped_years(), strict=True)


DAY_TERMS = [
    # 59-ФЗ registration, 3 days from receipt on the working Saturday 28.12.2024: the 31st
    # is off (transfer from 7 January), so are the 30th and the 29th → back to the 28th.
    ("registration over New Year 2024/25", msk(2024, 12, 28, 10), 3, Unit.CALENDAR_DAYS,
     PREVIOUS, date(2024, 12, 28)),
    # The same day with the next-working-day rule: 1–8 January 2025 are off.
    ("redirect, next working day", msk(2024, 12, 28, 10), 7, Unit.CALENDAR_DAYS, NEXT,
     date(2025, 1, 9)),
    ("answer 30 days from 28.12.2024", msk(2024, 12, 28, 15), 30, Unit.CALENDAR_DAYS,
     PREVIOUS, date(2025, 1, 27)),
    # 09.01.2025 + 30 = Saturday 08.02 → Friday 07.02, or Monday 10.02.
    ("answer lands on a Saturday", msk(2025, 1, 9, 10), 30, Unit.CALENDAR_DAYS, PREVIOUS,
     date(2025, 2, 7)),
    ("answer lands on a Saturday, next", msk(2025, 1, 9, 10), 30, Unit.CALENDAR_DAYS, NEXT,
     date(2025, 2, 10)),
    ("redirect 7 days from 09.01.2025", msk(2025, 1, 9, 10), 7, Unit.CALENDAR_DAYS, PREVIOUS,
     date(2025, 1, 16)),
    # 10.12.2025 + 30 = 09.01.2026, off (transfer from 3 January); 31.12.2025 off too.
    ("answer into New Year 2026", msk(2025, 12, 10, 11), 30, Unit.CALENDAR_DAYS, PREVIOUS,
     date(2025, 12, 30)),
    ("answer into New Year 2026, next", msk(2025, 12, 10, 11), 30, Unit.CALENDAR_DAYS, NEXT,
     date(2026, 1, 12)),
    ("keep: the day as it falls", msk(2025, 1, 9, 10), 30, Unit.CALENDAR_DAYS,
     DayOffRule.KEEP, date(2025, 2, 8)),
    # ПОС, 10 working days from 30.04.2025: 1–4 and 8–11 May are off (2 May from 4 January,
    # 8 May from 23 February) → 5, 6, 7, 12, 13, 14, 15, 16, 19, 20 May.
    ("May holidays 2025", msk(2025, 4, 30, 10), 10, Unit.WORKING_DAYS, PREVIOUS,
     date(2025, 5, 20)),
    # 5 working days from Friday 26.04.2024: Saturday 27.04 works (for 29.04), 29.04–01.05
    # off → 27.04, 2, 3, 6, 7 May.
    ("May holidays 2024, working Saturday", msk(2024, 4, 26, 10), 5, Unit.WORKING_DAYS,
     PREVIOUS, date(2024, 5, 7)),
    # From 30.12.2025: 31.12 off, 1–11 January 2026 off → 12–16, 19–23 January.
    ("New Year 2026, working days", msk(2025, 12, 30, 10), 10, Unit.WORKING_DAYS, PREVIOUS,
     date(2026, 1, 23)),
    # June 2025: 12–15 June off (13 June from 8 March).
    ("June 2025", msk(2025, 6, 2, 10), 10, Unit.WORKING_DAYS, PREVIOUS, date(2025, 6, 18)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "amount", "unit", "rule", "last_day"),
    [case[1:] for case in DAY_TERMS],
    ids=[case[0] for case in DAY_TERMS],
)
def test_day_terms_end_with_their_last_day(
    calendar: ProductionCalendar,
    start: datetime,
    amount: int,
    unit: Unit,
    rule: DayOffRule,
    last_day: date,
) -> None:
    due = due_at(calendar, Term(amount, unit, rule), start)

    assert due == through(last_day.year, last_day.month, last_day.day)


HOUR_TERMS = [
    # Friday 14.11.2025 17:00 + 8 office hours (9–18, lunch 13–14): 1 h on Friday, 4 + 3
    # on Monday → Monday 17.11 17:00.
    ("across a weekend", msk(2025, 11, 14, 17), 8, Unit.WORKING_HOURS, msk(2025, 11, 17, 17)),
    # Wednesday 30.04.2025 is shortened (ends 17:00), 1–4 May off: 1 h, then Monday 05.05
    # 9–13 and 14–17.
    ("shortened day and May holidays", msk(2025, 4, 30, 16), 8, Unit.WORKING_HOURS,
     msk(2025, 5, 5, 17)),
    # Started at night: counted from the opening, Monday 12.01.2026 after the holidays.
    ("from the holidays", msk(2026, 1, 5, 3), 4, Unit.WORKING_HOURS, msk(2026, 1, 12, 13)),
    ("clock hours run at night", msk(2025, 11, 14, 17), 8, Unit.HOURS, msk(2025, 11, 15, 1)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [case[1:] for case in HOUR_TERMS],
    ids=[case[0] for case in HOUR_TERMS],
)
def test_hour_terms_end_at_the_moment(
    calendar: ProductionCalendar, start: datetime, amount: int, unit: Unit, expected: datetime
) -> None:
    assert due_at(calendar, Term(amount, unit), start) == expected


PAUSES = [
    # 10 working days from 02.06.2025 end on 18.06; paused Tuesday 03.06 10:00 to Sunday
    # 08.06: Wednesday to Friday lost, 3 working days → 19, 20, 23 June.
    ("working days", Unit.WORKING_DAYS, 10, msk(2025, 6, 2, 10), date(2025, 6, 23)),
    # 30 calendar days from 09.01.2025 (08.02 → 07.02), 5 days paused → 13.02 (Thursday).
    ("calendar days", Unit.CALENDAR_DAYS, 30, msk(2025, 1, 9, 10), date(2025, 2, 13)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("unit", "amount", "start", "last_day"),
    [case[1:] for case in PAUSES],
    ids=[case[0] for case in PAUSES],
)
def test_a_pause_moves_the_due_date_by_its_length_in_the_clocks_unit(
    calendar: ProductionCalendar, unit: Unit, amount: int, start: datetime, last_day: date
) -> None:
    pause_start = start + timedelta(days=1)
    pauses = [(pause_start, pause_start + timedelta(days=5))]

    due = due_at(calendar, Term(amount, unit), start, pauses=pauses)

    assert due == through(last_day.year, last_day.month, last_day.day)


def test_a_pause_still_lasting_does_not_move_the_date_yet(calendar: ProductionCalendar) -> None:
    start = msk(2025, 6, 2, 10)
    term = Term(10, Unit.WORKING_DAYS)

    assert due_at(calendar, term, start, pauses=[(msk(2025, 6, 3, 10), None)]) == through(
        2025, 6, 18
    )


# --- clocks on cases --------------------------------------------------------------------------


@pytest.fixture
def new_case(world: World, django_capture_on_commit_callbacks: Any) -> Callable[..., Case]:
    """A case as a channel delivers it, its clocks started after commit."""

    def make(regime: Regime, received_at: datetime, channel: str = "letter") -> Case:
        with django_capture_on_commit_callbacks(execute=True):
            return make_case(
                world.municipality, regime=regime, channel=channel, received_at=received_at
            )

    return make


def clock(case: Case, kind: str, number: int = 1) -> Clock:
    return Clock.objects.get(case=case, kind=kind, number=number)


def walk(case: Case, world: World, *steps: tuple[Status, datetime]) -> Case:
    for status, at in steps:
        if status == S.ASSIGNED:
            case = assign_case(case, world.housing, by=world.head, now=at)
        else:
            case = change_status(case, status, by=world.head, now=at)
    return case


def test_an_appeal_received_before_new_year_gets_59fz_clocks(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.APPEAL, msk(2024, 12, 28, 10))
    registration = clock(case, "registration")
    assert (registration.state, registration.due_at) == (ClockState.RUNNING, through(2024, 12, 28))
    assert registration.policy.source.startswith("59-ФЗ ст. 8 ч. 2")

    walk(case, world, (S.REGISTERED, msk(2025, 1, 9, 10)))

    registration.refresh_from_db()
    assert (registration.state, registration.stopped_at) == (
        ClockState.MISSED,
        msk(2025, 1, 9, 10),
    )
    assert clock(case, "answer").due_at == through(2025, 2, 7)
    assert clock(case, "redirect").due_at == through(2025, 1, 16)
    event = case.events.get(kind=Event.Kind.DEADLINE)
    assert event.before == {
        "registration#1": {"state": "running", "due_at": through(2024, 12, 28).isoformat()}
    }
    assert event.after["registration#1"]["state"] == "missed"
    assert event.after["answer#1"] == {
        "state": "running",
        "due_at": through(2025, 2, 7).isoformat(),
    }
    assert "Срок регистрации нарушен" in event.comment
    assert "Срок ответа: по 07.02.2025" in event.comment


def test_a_pos_message_over_the_may_holidays_counts_working_days(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.MESSAGE, msk(2025, 4, 29, 12), channel="pos")
    assert clock(case, "registration").due_at == through(2025, 4, 30)

    walk(case, world, (S.REGISTERED, msk(2025, 4, 30, 10)))

    assert clock(case, "registration").state == ClockState.MET
    answer = clock(case, "answer")
    assert (answer.due_at, answer.policy.unit) == (through(2025, 5, 20), "working_days")
    assert "срок не подтверждён актом" in answer.policy.source  # flagged to the officer


def test_an_incident_on_friday_evening_is_due_on_monday_in_working_hours(
    world: World, new_case: Callable[..., Case]
) -> None:
    seeded = DeadlinePolicy.objects.get(
        municipality=None, regime=Regime.INCIDENT, kind="first_reaction"
    )
    DeadlinePolicy.objects.create(
        municipality=world.municipality,
        regime=Regime.INCIDENT,
        kind="first_reaction",
        amount=8,
        unit="working_hours",
        counted_from="received",
        pauses_while_waiting=True,
        valid_from=msk(2025, 1, 1),
        source="Регламент МО: 8 рабочих часов",
    )
    case = new_case(Regime.INCIDENT, msk(2025, 11, 14, 17), channel="vk")
    first = clock(case, "first_reaction")
    assert (first.due_at, first.policy.source) == (
        msk(2025, 11, 17, 17),
        "Регламент МО: 8 рабочих часов",
    )
    other = new_case(Regime.INCIDENT, msk(2025, 11, 14, 17), channel="vk")
    Clock.objects.filter(case=other).delete()
    DeadlinePolicy.objects.filter(municipality=world.municipality).update(
        municipality=world.neighbour
    )
    start_clocks([other.pk])
    assert clock(other, "first_reaction").policy == seeded  # another МО's row does not apply

    walk(
        case,
        world,
        (S.REGISTERED, msk(2025, 11, 17, 9)),
        (S.ASSIGNED, msk(2025, 11, 17, 9, 30)),
        (S.IN_WORK, msk(2025, 11, 17, 9, 40)),
        (S.INTERIM_ANSWER, msk(2025, 11, 17, 10)),
    )

    assert clock(case, "first_reaction").state == ClockState.MET
    # The final answer: 7 working days after the first reaction (DOMAIN.md §3).
    assert clock(case, "answer").due_at == through(2025, 11, 26)


def test_waiting_for_the_citizen_pauses_a_message_and_resuming_moves_its_date(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.MESSAGE, msk(2025, 6, 2, 9), channel="pos")
    case = walk(case, world, (S.REGISTERED, msk(2025, 6, 2, 10)), (S.ASSIGNED, msk(2025, 6, 2, 11)))
    assert clock(case, "answer").due_at == through(2025, 6, 18)

    case = walk(case, world, (S.ON_HOLD, msk(2025, 6, 3, 10)))
    assert clock(case, "answer").state == ClockState.PAUSED
    assert due_clocks(world.municipality, before=msk(2026, 1, 1)).filter(case=case).count() == 0

    walk(case, world, (S.IN_WORK, msk(2025, 6, 8, 10)))

    answer = clock(case, "answer")
    assert (answer.state, answer.due_at) == (ClockState.RUNNING, through(2025, 6, 23))
    assert answer.pauses == [[msk(2025, 6, 3, 10).isoformat(), msk(2025, 6, 8, 10).isoformat()]]
    comments = list(case.events.filter(kind=Event.Kind.DEADLINE).values_list("comment", flat=True))
    assert comments[-2:] == [
        "Срок ответа приостановлен: ожидание заявителя",
        "Срок ответа возобновлён: по 23.06.2025",
    ]


def test_an_appeal_on_hold_keeps_counting_since_59fz_has_no_pause(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    case = walk(case, world, (S.REGISTERED, msk(2025, 1, 9, 10)), (S.ON_HOLD, msk(2025, 1, 10, 10)))
    walk(case, world, (S.IN_WORK, msk(2025, 1, 20, 10)))

    answer = clock(case, "answer")
    assert (answer.state, answer.due_at, answer.pauses) == (
        ClockState.RUNNING,
        through(2025, 2, 7),
        [],
    )
    comments = case.events.filter(kind=Event.Kind.DEADLINE).values_list("comment", flat=True)
    assert any("Срок ответа не приостанавливается (59-ФЗ ст. 12" in c for c in comments)


def test_an_appeal_is_extended_once_with_a_reason(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    case = walk(
        case,
        world,
        (S.REGISTERED, msk(2025, 1, 9, 10)),
        (S.ASSIGNED, msk(2025, 1, 9, 11)),
        (S.IN_WORK, msk(2025, 1, 10, 10)),
    )

    extended = extend_deadline(
        case,
        30,
        reason="Запрошены документы в МВД (ст. 10 ч. 2)",
        by=world.head,
        now=msk(2025, 2, 3, 10),
    )

    # 09.01.2025 + 60 days = Monday 10.03.2025, a working day in 2025.
    assert (extended.extended_by, extended.due_at) == (30, through(2025, 3, 10))
    case.refresh_from_db()
    assert case.status == S.EXTENDED
    note = case.events.filter(kind=Event.Kind.DEADLINE).last()
    assert note is not None and note.actor == world.head
    assert (note.before["answer#1"]["due_at"], note.after["answer#1"]["due_at"]) == (
        through(2025, 2, 7).isoformat(),
        through(2025, 3, 10).isoformat(),
    )
    assert "Причина: Запрошены документы в МВД" in note.comment
    events = case.events.count()

    with pytest.raises(DeadlineError) as refused:
        extend_deadline(case, 10, reason="ещё", by=world.head, now=msk(2025, 3, 1, 10))

    assert refused.value.code == ErrorCode.ALREADY_EXTENDED
    assert refused.value.message == (
        "Срок ответа уже продлевали на 30 календарных дней: продлить можно только один раз."
    )
    assert clock(case, "answer").due_at == through(2025, 3, 10)
    assert case.events.count() == events


@pytest.mark.parametrize(
    ("regime", "amount", "code"),
    [(Regime.APPEAL, 31, ErrorCode.INVALID), (Regime.MESSAGE, 5, ErrorCode.NOT_ALLOWED)],
)
def test_an_extension_beyond_the_policy_is_refused_and_changes_nothing(
    world: World, new_case: Callable[..., Case], regime: Regime, amount: int, code: ErrorCode
) -> None:
    case = new_case(regime, msk(2025, 1, 9, 9))
    case = walk(case, world, (S.REGISTERED, msk(2025, 1, 9, 10)))
    due = clock(case, "answer").due_at

    with pytest.raises(DeadlineError) as refused:
        extend_deadline(case, amount, reason="причина", by=world.head, now=msk(2025, 1, 20))

    assert refused.value.code == code
    assert clock(case, "answer").due_at == due
    assert clock(case, "answer").extended_by == 0


def test_the_head_of_another_municipality_cannot_extend(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    case = walk(case, world, (S.REGISTERED, msk(2025, 1, 9, 10)))

    with pytest.raises(Exception, match="Обращение не найдено"):
        extend_deadline(case, 10, reason="x", by=world.neighbour_operator, now=msk(2025, 1, 20))

    assert clock(case, "answer").extended_by == 0


def test_a_redirect_closes_our_clocks_and_stops_the_redirect_clock(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    walk(case, world, (S.REGISTERED, msk(2025, 1, 9, 10)), (S.REDIRECTED, msk(2025, 1, 14, 12)))

    redirect, answer = clock(case, "redirect"), clock(case, "answer")
    assert (redirect.state, redirect.stopped_at) == (ClockState.MET, msk(2025, 1, 14, 12))
    assert (answer.state, answer.stopped_at) == (ClockState.CLOSED, msk(2025, 1, 14, 12))
    assert not Clock.objects.filter(case=case, state__in=["running", "paused"]).exists()


def test_a_late_redirect_is_recorded_as_missed(world: World, new_case: Callable[..., Case]) -> None:
    case = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    walk(case, world, (S.REGISTERED, msk(2025, 1, 9, 10)), (S.REDIRECTED, msk(2025, 1, 17, 9)))

    assert clock(case, "redirect").state == ClockState.MISSED


def test_taking_a_case_in_work_ends_the_redirect_window(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    walk(
        case,
        world,
        (S.REGISTERED, msk(2025, 1, 9, 10)),
        (S.ASSIGNED, msk(2025, 1, 9, 11)),
        (S.IN_WORK, msk(2025, 1, 10, 10)),
    )

    assert clock(case, "redirect").state == ClockState.CLOSED
    assert clock(case, "answer").state == ClockState.RUNNING


def test_a_reopened_message_gets_a_second_answer_clock(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.MESSAGE, msk(2025, 11, 10, 9), channel="pos")
    case = walk(
        case,
        world,
        (S.REGISTERED, msk(2025, 11, 10, 10)),
        (S.ASSIGNED, msk(2025, 11, 10, 11)),
        (S.IN_WORK, msk(2025, 11, 11, 10)),
    )
    draft = draft_answer(case, "Яма заделана.", by=world.head, now=msk(2025, 11, 12, 10))
    approve_answer(draft, by=world.head, now=msk(2025, 11, 12, 11))
    record_answer_sent(draft, at=msk(2025, 11, 12, 12), via="pos")
    case = walk(case, world, (S.CLOSED, msk(2025, 11, 13, 12)))
    assert clock(case, "answer").state == ClockState.MET

    walk(case, world, (S.REOPENED, msk(2025, 12, 1, 10)))

    second = clock(case, "answer", number=2)
    # 10 working days from Monday 01.12.2025: 2–5, 8–12, 15 December.
    assert (second.state, second.started_at, second.due_at) == (
        ClockState.RUNNING,
        msk(2025, 12, 1, 10),
        through(2025, 12, 15),
    )
    assert clock(case, "answer").state == ClockState.MET  # the first one is history
    figures = clock_figures(case, now=msk(2025, 12, 8, 10))
    assert [(f.kind, f.number, f.state) for f in figures] == [
        ("registration", 1, ClockState.MET),
        ("answer", 1, ClockState.MET),
        ("answer", 2, ClockState.RUNNING),
    ]
    assert figures[-1].label == "Срок ответа (после возобновления)"
    assert 0.3 < figures[-1].used_share < 0.6


def test_a_policy_change_applies_to_new_cases_and_keeps_the_old_dates(
    world: World, new_case: Callable[..., Case]
) -> None:
    before = new_case(Regime.MESSAGE, msk(2025, 6, 2, 9), channel="pos")
    walk(before, world, (S.REGISTERED, msk(2025, 6, 2, 10)))
    old = DeadlinePolicy.objects.get(municipality=None, regime=Regime.MESSAGE, kind="answer")
    DeadlinePolicy.objects.create(
        regime=Regime.MESSAGE,
        kind="answer",
        amount=5,
        unit="working_days",
        counted_from="registered",
        valid_from=msk(2025, 6, 3),
        source="Новый регламент",
    )
    after = new_case(Regime.MESSAGE, msk(2025, 6, 3, 9), channel="pos")
    walk(after, world, (S.REGISTERED, msk(2025, 6, 3, 10)))

    result = recompute_open_clocks(world.municipality, by=None, now=msk(2025, 6, 4))

    assert (clock(before, "answer").policy, clock(before, "answer").due_at) == (
        old,
        through(2025, 6, 18),
    )
    # 5 working days from 03.06.2025: 4, 5, 6, 9, 10 June.
    assert clock(after, "answer").due_at == through(2025, 6, 10)
    assert (result.checked, result.changed) == (2, 0)


def test_recompute_after_a_calendar_fix_moves_open_clocks_only(
    world: World, new_case: Callable[..., Case]
) -> None:
    running = new_case(Regime.MESSAGE, msk(2025, 6, 2, 9), channel="pos")
    walk(running, world, (S.REGISTERED, msk(2025, 6, 2, 10)))
    stopped = clock(running, "registration")
    CalendarOverride.objects.create(
        municipality=world.municipality,
        date=date(2025, 6, 17),
        kind="day_off",
        reason="День города",
    )

    result = recompute_open_clocks(world.municipality, by=world.head, now=msk(2025, 6, 5))

    assert (result.checked, result.changed) == (1, 1)
    assert clock(running, "answer").due_at == through(2025, 6, 19)
    assert clock(running, "registration").due_at == stopped.due_at
    note = running.events.filter(kind=Event.Kind.DEADLINE).last()
    assert note is not None and note.after == {
        "answer#1": {"due_at": through(2025, 6, 19).isoformat()}
    }


def test_a_promised_date_is_kept_and_never_later_than_due(
    world: World, new_case: Callable[..., Case]
) -> None:
    case = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    case = walk(case, world, (S.REGISTERED, msk(2025, 1, 9, 10)))

    record_promised_date(case, msk(2025, 2, 1, 18), by=world.head, now=msk(2025, 1, 20))
    with pytest.raises(
        DeadlineError, match=r"Обещанная дата позже срока ответа \(по 07\.02\.2025\)"
    ):
        record_promised_date(case, msk(2025, 2, 10), by=world.head, now=msk(2025, 1, 21))

    assert clock(case, "answer").promised_at == msk(2025, 2, 1, 18)


def test_an_imported_history_gets_the_clocks_it_would_have_had(world: World) -> None:
    draft = CaseDraft(
        channel=Channel.objects.get(code="letter"),
        regime=Regime.APPEAL,
        text="Прошу отремонтировать крышу дома 3.",
        received_at=msk(2025, 1, 9, 9),
        external_id="imp-1",
    )
    steps = [
        Step(at=msk(2025, 1, 9, 10), status=S.REGISTERED),
        Step(at=msk(2025, 1, 9, 11), department_id=world.housing.pk),
        Step(at=msk(2025, 1, 9, 11), status=S.ASSIGNED),
        Step(at=msk(2025, 1, 10, 10), status=S.IN_WORK),
        Step(at=msk(2025, 1, 20, 10), status=S.EXTENDED, comment="Запрос документов"),
        Step(at=msk(2025, 3, 3, 10), status=S.ANSWER_DRAFTED),
        Step(at=msk(2025, 3, 3, 11), status=S.ANSWER_APPROVED),
        Step(at=msk(2025, 3, 4, 10), status=S.ANSWERED),
    ]
    result = record_cases(world.municipality, [(draft, steps)], by=None)

    assert start_clocks(result.case_ids) == 3
    assert start_clocks(result.case_ids) == 0  # idempotent
    case = Case.objects.get(pk=result.case_ids[0])
    answer = clock(case, "answer")
    assert (answer.state, answer.extended_by, answer.extension_reason) == (
        ClockState.MET,
        30,
        "Запрос документов",
    )
    assert {c.kind: c.state for c in Clock.objects.filter(case=case)} == {
        "registration": ClockState.MET,
        "redirect": ClockState.CLOSED,
        "answer": ClockState.MET,
    }
    assert case.events.filter(kind=Event.Kind.DEADLINE).count() == 1


def test_due_clocks_lists_running_clocks_of_one_municipality_by_due_date(
    world: World, new_case: Callable[..., Case]
) -> None:
    late = new_case(Regime.APPEAL, msk(2025, 1, 9, 9))
    soon = new_case(Regime.MESSAGE, msk(2025, 1, 13, 9), channel="pos")
    with_neighbour = make_case(world.neighbour, regime=Regime.APPEAL, received_at=msk(2025, 1, 9))
    start_clocks([with_neighbour.pk])

    found = list(due_clocks(world.municipality, before=msk(2025, 1, 16)))

    assert [(c.case_id, c.kind) for c in found] == [
        (late.pk, "registration"),
        (soon.pk, "registration"),
    ]
