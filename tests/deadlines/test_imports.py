"""A re-imported export moves the clocks of a known case as a change by hand would."""

from datetime import timedelta
from typing import Any

from tests.personas import NOW, World
from veche.cases.models import Case
from veche.cases.services import CaseDraft, Step, record_cases, update_imported_case
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel
from veche.deadlines.clocks import ClockState
from veche.deadlines.models import Clock


def test_a_reimport_that_answers_a_case_stops_its_answer_clock(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    draft = CaseDraft(
        Channel.objects.get(code="pos"), Regime.APPEAL, "Яма во дворе", NOW, external_id="77"
    )
    steps = [Step(NOW + timedelta(hours=1), status=Status.REGISTERED)]
    with django_capture_on_commit_callbacks(execute=True):
        result = record_cases(world.municipality, [(draft, steps)], by=None)
    case = Case.objects.get(pk=result.case_ids[0])
    answer_clock = Clock.objects.get(case=case, kind="answer")
    assert answer_clock.state == ClockState.RUNNING

    later = NOW + timedelta(days=5)
    update_imported_case(
        case,
        [
            Step(later, department_id=world.housing.pk, status=Status.ASSIGNED),
            Step(later + timedelta(hours=1), status=Status.IN_WORK),
            Step(later + timedelta(hours=2), status=Status.ANSWER_DRAFTED),
            Step(later + timedelta(hours=3), status=Status.ANSWER_APPROVED),
            Step(later + timedelta(days=1), status=Status.ANSWERED, answer_text="Яма заделана."),
        ],
        by=None,
    )

    answer_clock.refresh_from_db()
    assert answer_clock.state == ClockState.MET
    assert answer_clock.stopped_at == later + timedelta(days=1)
