"""Destroying personal data whose term ran out: what goes, what stays, holds, reruns, the
act (DOMAIN.md §7.1, §8 item 20)."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.personas import World, make_case
from tests.privacy.conftest import CLOSED, SIDOROVA, finish_case
from veche.analytics.models import CaseFact, DailyRollup
from veche.analytics.rollups import update_rollups
from veche.cases.models import Answer, Attachment, Case, Citizen, Event
from veche.cases.workflow import Status
from veche.feedback.models import Survey
from veche.privacy.errors import PrivacyError
from veche.privacy.models import DestructionAct, LegalHold, PurgedCase
from veche.privacy.purge import REMOVED, purge_personal_data
from veche.privacy.services import place_legal_hold, release_legal_hold

TODAY = date(2026, 6, 1)  # five years after CLOSED and some
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _purge(world: World, commits: Any, **kwargs: Any) -> Any:
    with commits(execute=True):
        return purge_personal_data(
            world.municipality, today=TODAY, by=world.head, now=NOW, **kwargs
        )


def _snapshot() -> list[Any]:
    return [
        list(Case.objects.order_by("pk").values()),
        list(Citizen.objects.order_by("pk").values()),
        list(Answer.objects.order_by("pk").values()),
        list(Event.objects.order_by("pk").values()),
        list(Attachment.objects.order_by("pk").values()),
        list(Survey.objects.order_by("pk").values()),
    ]


def test_purge_destroys_the_personal_data_of_a_due_case(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    done = finish_case(world, django_capture_on_commit_callbacks)
    case, citizen_id = done.case, done.case.author_id
    assert citizen_id is not None
    file_path = Path(done.attachment.file.path)
    assert file_path.exists()

    result = _purge(world, django_capture_on_commit_callbacks)

    assert (result.cases, result.subjects, result.files) == (1, 1, 1)
    case.refresh_from_db()
    assert case.author_id is None
    assert "Петров" not in case.text and "111-22-33" not in case.text
    assert case.address_raw == ""
    assert "петров" not in case.search_lemmas
    citizen = Citizen.objects.get(pk=citizen_id)
    assert (citizen.full_name, citizen.phone, citizen.email) == ("", "", "")
    assert (citizen.postal_address, citizen.social_id) == ("", "")
    assert list(Answer.objects.filter(case=case).values_list("text", flat=True)) == [REMOVED]
    assert not Attachment.objects.filter(case=case).exists()
    assert not file_path.exists()
    assert list(Survey.objects.filter(case=case).values_list("comment", "rating")) == [("", 5)]
    for event in Event.objects.filter(case=case):
        dump = f"{event.before}{event.after}{event.comment}"
        assert "Петров" not in dump and "111-22-33" not in dump, event.kind
    # The timeline keeps its shape and says what happened.
    last = Event.objects.filter(case=case).order_by("pk").last()
    assert last is not None and last.kind == Event.Kind.COMMENT
    assert f"акт № {result.act.number}" in last.comment
    assert case.status == Status.CLOSED
    assert case.personal_data_destroyed_at == NOW  # a re-import may not bring them back


def test_an_author_with_a_case_still_kept_keeps_their_data(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    old = finish_case(world, django_capture_on_commit_callbacks, author=SIDOROVA).case
    recent = make_case(world.municipality, author=SIDOROVA, received_at=NOW)
    assert recent.author_id == old.author_id and recent.author_id is not None

    _purge(world, django_capture_on_commit_callbacks)

    old.refresh_from_db()
    assert old.author_id is None
    citizen = Citizen.objects.get(pk=recent.author_id)
    assert (citizen.full_name, citizen.phone) == (SIDOROVA.full_name, SIDOROVA.phone)


def test_a_legal_hold_blocks_destruction_until_released(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    case = finish_case(world, django_capture_on_commit_callbacks).case
    hold = place_legal_hold(case, reason="Запрос прокуратуры № 7", by=world.head, now=NOW)
    before = _snapshot()

    result = _purge(world, django_capture_on_commit_callbacks)

    assert (result.cases, result.act) == (0, None)
    assert _snapshot() == before
    release_legal_hold(hold, by=world.head, now=NOW)
    assert _purge(world, django_capture_on_commit_callbacks).cases == 1
    assert LegalHold.objects.get().released_by == world.head


def test_a_second_hold_on_a_held_case_is_refused(world: World, media: Path) -> None:
    case = make_case(world.municipality)
    place_legal_hold(case, reason="Суд", by=world.head, now=NOW)
    with pytest.raises(PrivacyError):
        place_legal_hold(case, reason="Ещё раз", by=world.head, now=NOW)
    with pytest.raises(PrivacyError):
        place_legal_hold(case, reason="   ", by=world.head, now=NOW)
    assert LegalHold.objects.count() == 1


def test_only_the_head_or_admin_of_the_municipality_places_holds(world: World, media: Path) -> None:
    case = make_case(world.municipality)
    for persona in (world.housing_executor, world.neighbour_operator, world.regional):
        with pytest.raises(PrivacyError):
            place_legal_hold(case, reason="Суд", by=persona, now=NOW)
    assert LegalHold.objects.count() == 0


def test_dry_run_lists_what_is_due_and_changes_nothing(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    done = finish_case(world, django_capture_on_commit_callbacks)
    before = _snapshot()

    result = _purge(world, django_capture_on_commit_callbacks, dry_run=True)

    assert [d.case_id for d in result.due] == [done.case.pk]
    assert (result.cases, result.act) == (0, None)
    assert _snapshot() == before
    assert Path(done.attachment.file.path).exists()
    assert not DestructionAct.objects.exists()


def test_a_rerun_finds_nothing_and_writes_no_act(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    finish_case(world, django_capture_on_commit_callbacks)
    _purge(world, django_capture_on_commit_callbacks)
    after_first = _snapshot()

    again = _purge(world, django_capture_on_commit_callbacks)

    assert (again.cases, again.act) == (0, None)
    assert _snapshot() == after_first
    assert DestructionAct.objects.count() == 1


def test_batches_each_commit_and_the_act_counts_them_all(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    cases = [
        finish_case(world, django_capture_on_commit_callbacks, closed_at=CLOSED + timedelta(i)).case
        for i in range(3)
    ]
    result = _purge(world, django_capture_on_commit_callbacks, chunk=2)

    act = DestructionAct.objects.get()
    assert (act.cases_count, act.subjects_count, act.files_count) == (3, 1, 3)
    assert act.state == DestructionAct.State.DONE and act.finished_at == NOW
    assert sorted(PurgedCase.objects.values_list("case_id", flat=True)) == [c.pk for c in cases]
    assert result.act == act


def test_the_act_has_the_content_of_rkn_order_179(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    case = finish_case(world, django_capture_on_commit_callbacks).case
    citizen_id = case.author_id
    world.head.first_name, world.head.position = "Мария", "руководитель МЦУ"
    world.head.save()

    act = _purge(world, django_capture_on_commit_callbacks).act

    assert act.number == "2026-0001"
    assert act.operator == world.municipality.name
    assert act.information_system.startswith("Вече")
    assert "фамилия, имя, отчество" in act.categories and "номер телефона" in act.categories
    assert "152-ФЗ" in act.reason and "стирание" in act.method
    assert act.responsible_name == "head Мария, руководитель МЦУ"
    assert act.finished_at == NOW
    item = act.items.get()
    assert (item.number, item.citizen_ref, item.final_status) == (
        case.number,
        citizen_id,
        Status.CLOSED,
    )


def test_purge_leaves_the_analytics_exactly_as_they_were(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    from tests.analytics.october import build_october

    build_october(world, django_capture_on_commit_callbacks)
    finish_case(world, django_capture_on_commit_callbacks)
    update_rollups()
    rollups = list(DailyRollup.objects.order_by("pk").values())
    facts = list(CaseFact.objects.order_by("case_id").values())

    with django_capture_on_commit_callbacks(execute=True):
        result = purge_personal_data(world.municipality, today=date(2040, 1, 1), by=None, now=NOW)
    update_rollups()

    assert result.cases >= 4  # the finished October cases and the one above
    assert list(DailyRollup.objects.order_by("pk").values()) == rollups
    assert list(CaseFact.objects.order_by("case_id").values()) == facts


def test_another_municipality_may_not_purge(world: World, media: Path) -> None:
    with pytest.raises(PrivacyError):
        purge_personal_data(world.municipality, today=TODAY, by=world.neighbour_operator, now=NOW)


def test_the_command_dry_run_and_run(
    world: World, django_capture_on_commit_callbacks: Any, media: Path, capsys: Any
) -> None:
    case = finish_case(world, django_capture_on_commit_callbacks).case
    args = ["--municipality", world.municipality.oktmo, "--today", "2026-06-01"]

    call_command("purge_personal_data", *args, "--dry-run")
    assert case.number in capsys.readouterr().out
    assert not PurgedCase.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_personal_data", *args)
    assert "2026-0001" in capsys.readouterr().out
    assert PurgedCase.objects.get().case_id == case.pk


def test_the_command_refuses_a_bad_date(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_personal_data", "--today", "01.06.2026")


def test_a_case_reopened_after_listing_is_left_alone_and_no_empty_act_is_written(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    from veche.cases.services import change_status
    from veche.privacy.purge import PurgeResult, _purge_batch, due_cases

    case = finish_case(world, django_capture_on_commit_callbacks).case
    [due] = list(due_cases(world.municipality, today=TODAY))
    change_status(case, Status.REOPENED, by=world.head, now=NOW)
    before = _snapshot()

    result = PurgeResult(act=None)
    _purge_batch(result, world.municipality, [due], by=world.head, now=NOW)

    assert (result.act, result.cases) == (None, 0)
    assert not DestructionAct.objects.exists() and not PurgedCase.objects.exists()
    assert _snapshot() == before
