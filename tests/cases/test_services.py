"""Writes through the service layer: idempotent intake, numbering, routing, personal data."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.personas import NOW, World, make_case
from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Answer, Case, Citizen, Event, PersonalDataAccess
from veche.cases.services import (
    CaseDraft,
    CitizenData,
    Step,
    assign_case,
    assign_cases,
    mark_duplicate,
    merge_case,
    record_cases,
    reveal_author,
)
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel


def test_same_external_id_creates_one_case(world: World) -> None:
    first = make_case(world.municipality, external_id="POS-1001")
    again = make_case(world.municipality, external_id="POS-1001", text="другой текст")

    assert again.pk == first.pk
    assert again.text == first.text
    assert Case.objects.filter(external_id="POS-1001").count() == 1
    assert Event.objects.filter(case=first, kind=Event.Kind.CREATED).count() == 1


def test_external_id_is_unique_per_channel_not_globally(world: World) -> None:
    pos = make_case(world.municipality, external_id="42", channel="pos")
    im = make_case(world.municipality, external_id="42", channel="im")

    assert pos.pk != im.pk


def test_registration_numbers_are_sequential_per_municipality_and_year(world: World) -> None:
    a = make_case(world.municipality)
    b = make_case(world.municipality)
    other = make_case(world.neighbour)
    next_year = make_case(world.municipality, received_at=NOW + timedelta(days=60))

    assert [a.number, b.number, other.number, next_year.number] == [
        "МЦУ-2026-000001",
        "МЦУ-2026-000002",
        "СОС-2026-000001",
        "МЦУ-2027-000001",
    ]


def test_record_cases_replays_history_and_skips_known_external_ids(world: World) -> None:
    pos = Channel.objects.get(code="pos")
    make_case(world.municipality, external_id="E-1", channel="pos")

    def items() -> Iterator[tuple[CaseDraft, list[Step]]]:
        for n in (1, 2, 3):
            draft = CaseDraft(
                channel=pos,
                regime=Regime.MESSAGE,
                text=f"Не вывозят мусор, случай {n}",
                received_at=NOW,
                external_id=f"E-{n}",
            )
            steps = [
                Step(at=NOW + timedelta(hours=1), status=Status.REGISTERED),
                Step(
                    at=NOW + timedelta(hours=2),
                    status=Status.ASSIGNED,
                    department_id=world.housing.pk,
                ),
            ]
            yield draft, steps

    result = record_cases(world.municipality, items(), by=None, batch_size=2)

    assert (result.created, result.skipped) == (2, 1)
    case = Case.objects.get(external_id="E-3")
    assert (case.status, case.department, case.block) == (
        Status.ASSIGNED,
        world.housing,
        world.city_block,
    )
    assert case.registered_at == NOW + timedelta(hours=1)
    assert list(case.events.values_list("kind", flat=True)) == [
        "created",
        "status_changed",
        "assigned",
        "status_changed",
    ]
    assert record_cases(world.municipality, items(), by=None).created == 0


def test_record_cases_refuses_an_impossible_history_and_writes_nothing(world: World) -> None:
    draft = CaseDraft(
        channel=Channel.objects.get(code="im"),
        regime=Regime.INCIDENT,
        text="Нет света",
        received_at=NOW,
    )

    with pytest.raises(CaseError) as error:
        record_cases(world.municipality, [(draft, [Step(at=NOW, status=Status.CLOSED)])], by=None)

    assert error.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert Case.objects.count() == 0


def test_assign_routes_to_department_and_block_and_registers_new_case(world: World) -> None:
    case = make_case(world.municipality)

    assign_case(case, world.roads, by=world.operator, now=NOW)

    case.refresh_from_db()
    assert (case.status, case.department, case.block) == (
        Status.ASSIGNED,
        world.roads,
        world.city_block,
    )
    assert list(case.events.values_list("kind", flat=True)) == [
        "created",
        "status_changed",
        "assigned",
        "status_changed",
    ]


def test_executor_cannot_reassign_and_other_department_cannot_see(world: World) -> None:
    case = make_case(world.municipality, department=world.housing)

    with pytest.raises(CaseError) as forbidden:
        assign_case(case, world.roads, by=world.housing_executor, now=NOW)
    with pytest.raises(CaseError) as hidden:
        assign_case(case, world.roads, by=world.roads_executor, now=NOW)

    assert (forbidden.value.code, hidden.value.code) == (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
    case.refresh_from_db()
    assert case.department == world.housing


def test_cannot_assign_to_a_department_of_another_municipality(world: World) -> None:
    case = make_case(world.municipality)

    with pytest.raises(CaseError) as error:
        assign_case(case, world.neighbour_housing, by=world.operator, now=NOW)

    assert error.value.code == ErrorCode.INVALID
    case.refresh_from_db()
    assert case.department is None


def test_bulk_assign_reports_each_failure_and_keeps_the_rest(world: World) -> None:
    good = make_case(world.municipality)
    closed = make_case(world.municipality, department=world.housing)
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    foreign = make_case(world.neighbour)

    result = assign_cases(
        [good.pk, closed.pk, foreign.pk], world.education, by=world.operator, now=NOW
    )

    assert result.done == [good.pk]
    assert set(result.failed) == {closed.pk, foreign.pk}
    assert result.failed[foreign.pk] == "Обращение не найдено."


def test_reveal_author_is_logged_and_refused_to_observers(world: World) -> None:
    case = make_case(world.municipality, department=world.housing)

    citizen = reveal_author(case, by=world.housing_executor)
    with pytest.raises(CaseError):
        reveal_author(case, by=world.observer)

    assert isinstance(citizen, Citizen)
    assert citizen.full_name == "Иванов Иван Иванович"
    assert list(PersonalDataAccess.objects.values_list("user__username", "case_id")) == [
        ("housing_executor", case.pk)
    ]


def test_merge_closes_the_case_into_its_parent_and_both_timelines_say_so(world: World) -> None:
    first = make_case(world.municipality, department=world.housing)
    second = make_case(world.municipality, department=world.housing)

    merge_case(second, first, by=world.operator, now=NOW, comment="один и тот же двор")

    second.refresh_from_db()
    assert (second.status, second.parent) == (Status.MERGED, first)
    assert list(first.events.filter(kind=Event.Kind.LINKED).values_list("after", flat=True)) == [
        {"merged": second.pk}
    ]
    assert second.events.filter(kind=Event.Kind.LINKED, after={"parent": first.pk}).count() == 1


def test_merge_refuses_self_foreign_and_invisible_targets(world: World) -> None:
    case = make_case(world.municipality, department=world.housing)
    roads_case = make_case(world.municipality, department=world.roads)
    foreign = make_case(world.neighbour)

    for target, by, code in [
        (case, world.operator, ErrorCode.INVALID),
        (roads_case, world.housing_executor, ErrorCode.NOT_FOUND),
        (foreign, None, ErrorCode.INVALID),
    ]:
        with pytest.raises(CaseError) as error:
            merge_case(case, target, by=by, now=NOW)
        assert error.value.code == code

    case.refresh_from_db()
    assert (case.status, case.parent) == (Status.ASSIGNED, None)


def test_duplicate_link_keeps_status(world: World) -> None:
    original = make_case(world.municipality, department=world.housing)
    copy = make_case(world.municipality, department=world.housing)

    mark_duplicate(copy, original, by=world.housing_executor, now=NOW)

    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of) == (Status.ASSIGNED, original)


def test_an_author_writing_again_is_one_citizen_record(world: World) -> None:
    author = CitizenData(full_name="Сидоров Пётр Ильич", email="sidorov@mail.ru")
    pos = Channel.objects.get(code="pos")
    make_case(world.municipality, author=author)
    drafts: list[tuple[CaseDraft, list[Step]]] = [
        (CaseDraft(channel=pos, regime=Regime.MESSAGE, text=t, received_at=NOW, author=a), [])
        for t, a in [
            ("снова яма", author),
            ("и ещё яма", author),
            ("другой человек", CitizenData(full_name="Сидоров Пётр Ильич", phone="+79000000001")),
        ]
    ]

    record_cases(world.municipality, drafts, by=None)

    assert Citizen.objects.filter(full_name="Сидоров Пётр Ильич").count() == 2
    assert Case.objects.filter(author__email="sidorov@mail.ru").count() == 3


def test_interim_answer_in_a_history_is_recorded_as_sent(world: World) -> None:
    draft = CaseDraft(
        channel=Channel.objects.get(code="im"),
        regime=Regime.INCIDENT,
        text="Нет воды",
        received_at=NOW,
    )
    later = NOW + timedelta(hours=3)
    steps = [
        Step(at=NOW, status=Status.REGISTERED),
        Step(at=NOW, status=Status.ASSIGNED, department_id=world.housing.pk),
        Step(at=NOW, status=Status.IN_WORK),
        Step(
            at=later,
            status=Status.INTERIM_ANSWER,
            answer_text="Бригада выехала",
            answer_kind=Answer.Kind.INTERIM,
        ),
    ]

    record_cases(world.municipality, [(draft, steps)], by=None)

    answer = Answer.objects.get()
    assert (answer.state, answer.sent_at) == (Answer.State.SENT, later)


def test_record_cases_links_a_merged_case_to_its_parent(world: World) -> None:
    im = Channel.objects.get(code="im")
    make_case(world.municipality, external_id="IM-1", channel="im", department=world.housing)

    def merged(external_id: str, into: str) -> tuple[CaseDraft, list[Step]]:
        draft = CaseDraft(
            channel=im,
            regime=Regime.INCIDENT,
            text="Опять нет света",
            received_at=NOW,
            external_id=external_id,
        )
        return draft, [Step(at=NOW, status=Status.MERGED, merge_into=into)]

    record_cases(world.municipality, [merged("IM-2", "IM-1"), merged("IM-3", "IM-2")], by=None)

    first, second, third = (Case.objects.get(external_id=f"IM-{n}") for n in (1, 2, 3))
    assert (second.parent, third.parent) == (first, second)
    assert first.events.filter(kind=Event.Kind.LINKED, after={"merged": second.pk}).exists()
    with pytest.raises(CaseError):
        record_cases(world.municipality, [merged("IM-4", "IM-404")], by=None)
    assert not Case.objects.filter(external_id="IM-4").exists()
