"""Meetings of the МЦУ and the instructions («поручения») they give (GLOSSARY.md): recording a
meeting and giving instructions is МЦУ-wide work in the municipality; the owner of an
instruction reports its execution himself, and whoever keeps it under control (its
controller, or the МЦУ) accepts the report or returns it.

An instruction's life, without a field of its own for each state (the model has three
statuses): open with no `done_at` — «на исполнении»; open with `done_at` — reported, «на
проверке»; `DONE` — accepted, «исполнено»; `CANCELLED` — «снято с контроля». The report, the
returns, the acceptance and the withdrawal are written one after another into `report`, each
dated and signed: the instruction's own history.

A reported, accepted or withdrawn instruction stops reminding; a moved due day or a new owner
settles the reminders already made (`deadlines.items.settle_item`), and the next reminder run
(`problems.reminders`) tells whoever it concerns now.
"""

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from veche.cases.errors import CaseError, ErrorCode
from veche.deadlines.items import settle_item
from veche.org.models import Department, Membership, Municipality, User
from veche.problems.models import Instruction, Meeting, Problem, Roadmap
from veche.problems.reminders import instruction_key
from veche.problems.selectors import may_manage
from veche.problems.services import NO_RIGHTS, require_manage

MAX_TEXT = 5000
MAX_PARTICIPANTS = 200


@dataclass(frozen=True)
class MeetingData:
    title: str
    held_at: datetime
    agenda: str = ""
    participants: Sequence[User] = field(default_factory=tuple)
    guests: str = ""
    minutes: str = ""


@dataclass(frozen=True)
class InstructionData:
    text: str
    owner: User
    due_on: date
    controller: User | None = None
    department: Department | None = None
    problem: Problem | None = None
    roadmap: Roadmap | None = None


def may_report(instruction: Instruction, by: User) -> bool:
    return instruction.owner_id == by.pk


def may_control(instruction: Instruction, by: User) -> bool:
    """Its controller, or the МЦУ — but nobody accepts his own report unless he is the
    controller himself."""
    if instruction.controller_id == by.pk:
        return True
    return instruction.owner_id != by.pk and may_manage(instruction.municipality_id, by)


# --- meetings --------------------------------------------------------------------------------


def create_meeting(
    municipality: Municipality, data: MeetingData, *, by: User, now: datetime
) -> Meeting:
    require_manage(municipality.pk, by)
    _check_meeting(municipality.pk, data)
    with transaction.atomic(durable=True):
        meeting = Meeting(municipality=municipality, created_at=now, created_by=by)
        _fill_meeting(meeting, data)
        meeting.save()
        meeting.participants.set(data.participants)
    return meeting


def update_meeting(meeting: Meeting, data: MeetingData, *, by: User, now: datetime) -> Meeting:
    require_manage(meeting.municipality_id, by)
    _check_meeting(meeting.municipality_id, data)
    with transaction.atomic(durable=True):
        current = Meeting.objects.select_for_update().get(pk=meeting.pk)  # one editor at a time
        _fill_meeting(current, data)
        current.save()
        current.participants.set(data.participants)
    return current


# --- instructions ----------------------------------------------------------------------------


def give_instruction(
    municipality: Municipality,
    data: InstructionData,
    *,
    by: User,
    now: datetime,
    meeting: Meeting | None = None,
) -> Instruction:
    """An instruction of `meeting`, or one given on its own."""
    require_manage(municipality.pk, by)
    if meeting is not None and meeting.municipality_id != municipality.pk:
        raise CaseError(ErrorCode.INVALID, "Совещание из другого МО.")
    _check_instruction(municipality, data, now=now, due_changed=True)
    with transaction.atomic(durable=True):
        instruction = Instruction(
            municipality=municipality, meeting=meeting, created_at=now, created_by=by
        )
        _fill_instruction(instruction, data)
        instruction.save()
    return instruction


def update_instruction(
    instruction: Instruction, data: InstructionData, *, by: User, now: datetime
) -> Instruction:
    """Change what an open instruction says, its owner or its due day. A new owner or day
    settles the reminders made so far: the next run reminds whoever it concerns now."""
    require_manage(instruction.municipality_id, by)
    with transaction.atomic(durable=True):
        current = _locked(instruction)
        _require_open(current)
        _check_instruction(
            current.municipality, data, now=now, due_changed=data.due_on != current.due_on
        )
        if data.due_on != current.due_on:
            settle_item(instruction_key(current.pk), now=now)
        elif data.owner.pk != current.owner_id:
            settle_item(instruction_key(current.pk), now=now, users=[current.owner_id])
        _fill_instruction(current, data)
        current.save()
    return current


def report_instruction(
    instruction: Instruction, *, report: str, by: User, now: datetime
) -> Instruction:
    """The owner says it is done: the instruction waits for its controller's check."""
    report = report.strip()
    if not report:
        raise CaseError(ErrorCode.INVALID, "Опишите, что сделано.")
    with transaction.atomic(durable=True):
        current = _locked(instruction)
        if not may_report(current, by):
            raise CaseError(ErrorCode.FORBIDDEN, "Отчитаться может исполнитель поручения.")
        _require_open(current)
        if current.done_at is not None:
            raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Отчёт уже на проверке.")
        current.done_at = now
        _write(current, "Отчёт об исполнении", report[:MAX_TEXT], by=by, now=now)
        current.save(update_fields=["done_at", "report"])
        settle_item(instruction_key(current.pk), now=now)
    return current


def accept_instruction(
    instruction: Instruction, *, by: User, now: datetime, comment: str = ""
) -> Instruction:
    with transaction.atomic(durable=True):
        current = _locked(instruction)
        _require_control(current, by)
        _require_open(current)
        if current.done_at is None:
            raise CaseError(
                ErrorCode.TRANSITION_NOT_ALLOWED, "Исполнитель ещё не отчитался об исполнении."
            )
        current.status = Instruction.Status.DONE
        _write(current, "Исполнение принято", comment.strip()[:MAX_TEXT], by=by, now=now)
        current.save(update_fields=["status", "report"])
        settle_item(instruction_key(current.pk), now=now)
    return current


def return_instruction(
    instruction: Instruction,
    *,
    reason: str,
    by: User,
    now: datetime,
    due_on: date | None = None,
) -> Instruction:
    """Back to the owner, with the reason and maybe a new due day."""
    reason = reason.strip()
    if not reason:
        raise CaseError(ErrorCode.INVALID, "Укажите, почему поручение возвращено.")
    with transaction.atomic(durable=True):
        current = _locked(instruction)
        _require_control(current, by)
        _require_open(current)
        if current.done_at is None:
            raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, "Возвращать нечего: отчёта нет.")
        if due_on is not None and due_on != current.due_on:
            _check_due(current.municipality, due_on, now=now)
            settle_item(instruction_key(current.pk), now=now)
            current.due_on = due_on
        current.done_at = None
        _write(current, "Возвращено на доработку", reason[:MAX_TEXT], by=by, now=now)
        current.save(update_fields=["done_at", "due_on", "report"])
    return current


def cancel_instruction(
    instruction: Instruction, *, reason: str, by: User, now: datetime
) -> Instruction:
    """Withdrawn («снято с контроля») without being done: the МЦУ or the controller."""
    reason = reason.strip()
    if not reason:
        raise CaseError(ErrorCode.INVALID, "Укажите, почему поручение снимается с контроля.")
    with transaction.atomic(durable=True):
        current = _locked(instruction)
        if not (current.controller_id == by.pk or may_manage(current.municipality_id, by)):
            raise CaseError(ErrorCode.FORBIDDEN, NO_RIGHTS)
        _require_open(current)
        current.status = Instruction.Status.CANCELLED
        _write(current, "Снято с контроля", reason[:MAX_TEXT], by=by, now=now)
        current.save(update_fields=["status", "report"])
        settle_item(instruction_key(current.pk), now=now)
    return current


# --- helpers (no transactions) ---------------------------------------------------------------


def _require_control(instruction: Instruction, by: User) -> None:
    if not may_control(instruction, by):
        raise CaseError(
            ErrorCode.FORBIDDEN, "Принять или вернуть отчёт может контролирующий или МЦУ."
        )


def _require_open(instruction: Instruction) -> None:
    if instruction.status != Instruction.Status.OPEN:
        label = Instruction.Status(instruction.status).label
        raise CaseError(ErrorCode.TRANSITION_NOT_ALLOWED, f"Поручение уже {label}.")


def _locked(instruction: Instruction) -> Instruction:
    """The row again, locked: two people acting at once act one after the other."""
    return (
        Instruction.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .get(pk=instruction.pk)
    )


def _check_meeting(municipality_id: int, data: MeetingData) -> None:
    if not " ".join(data.title.split()):
        raise CaseError(ErrorCode.INVALID, "Укажите тему совещания.")
    if len(data.participants) > MAX_PARTICIPANTS:
        raise CaseError(ErrorCode.INVALID, f"Участников не больше {MAX_PARTICIPANTS}.")
    staff = set(_staff_ids(municipality_id, [p.pk for p in data.participants]))
    if data.participants and any(p.pk not in staff for p in data.participants):
        raise CaseError(ErrorCode.INVALID, "Участник: сотрудник не работает в этом МО.")


def _fill_meeting(meeting: Meeting, data: MeetingData) -> None:
    meeting.title = " ".join(data.title.split())[:300]
    meeting.held_at = data.held_at
    meeting.agenda = data.agenda.strip()[:MAX_TEXT]
    meeting.guests = data.guests.strip()[:1000]
    meeting.minutes = data.minutes.strip()[: MAX_TEXT * 4]


def _check_instruction(
    municipality: Municipality, data: InstructionData, *, now: datetime, due_changed: bool
) -> None:
    if not data.text.strip():
        raise CaseError(ErrorCode.INVALID, "Укажите, что поручено.")
    staff = set(_staff_ids(municipality.pk, [data.owner.pk, getattr(data.controller, "pk", 0)]))
    if data.owner.pk not in staff:
        raise CaseError(ErrorCode.INVALID, "Исполнитель: сотрудник не работает в этом МО.")
    if data.controller is not None and data.controller.pk not in staff:
        raise CaseError(ErrorCode.INVALID, "На контроле: сотрудник не работает в этом МО.")
    for other, what in (
        (data.department, "Подразделение"),
        (data.problem, "Проблема"),
        (data.roadmap, "Дорожная карта"),
    ):
        if other is not None and other.municipality_id != municipality.pk:
            raise CaseError(ErrorCode.INVALID, f"{what} из другого МО.")
    if due_changed:
        _check_due(municipality, data.due_on, now=now)


def _check_due(municipality: Municipality, due_on: date, *, now: datetime) -> None:
    if due_on < timezone.localdate(now, zoneinfo.ZoneInfo(municipality.time_zone)):
        raise CaseError(ErrorCode.INVALID, "Срок исполнения не может быть в прошлом.")


def _staff_ids(municipality_id: int, user_ids: Sequence[int]) -> list[int]:
    """Those of `user_ids` who work in the municipality (any role) and may sign in."""
    if not user_ids:
        return []
    return list(
        Membership.objects.filter(
            municipality_id=municipality_id, user_id__in=user_ids, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _fill_instruction(instruction: Instruction, data: InstructionData) -> None:
    instruction.text = data.text.strip()[:MAX_TEXT]
    instruction.owner = data.owner
    instruction.due_on = data.due_on
    instruction.controller = data.controller
    instruction.department = data.department
    instruction.problem = data.problem
    instruction.roadmap = data.roadmap


def _write(instruction: Instruction, what: str, text: str, *, by: User, now: datetime) -> None:
    """One dated, signed entry of the instruction's history."""
    day = timezone.localdate(now, zoneinfo.ZoneInfo(instruction.municipality.time_zone))
    entry = f"{day:%d.%m.%Y}, {by.display_name}. {what}" + (f": {text}" if text else ".")
    instruction.report = f"{instruction.report}\n\n{entry}" if instruction.report else entry
