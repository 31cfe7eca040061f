"""Road maps and their actions (GLOSSARY.md, «Дорожная карта по устранению первопричин»):
creating and changing them is МЦУ-wide work in the municipality; the official responsible
for an action reports its progress and attaches its documents himself.

A road map's progress is the plain mean of its actions' progress (a done action counts as
100 %, a cancelled one not at all): every action weighs the same, since costs are often
unknown and a cheap action can matter as much as a dear one.
"""

import uuid
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.files import check_upload, safe_name
from veche.catalog.models import Topic
from veche.org.models import Department, Membership, Municipality, Territory, User
from veche.problems.models import Action, ActionDocument, Problem, Roadmap
from veche.problems.selectors import may_manage
from veche.problems.services import NO_RIGHTS, require_manage

MAX_ACTIONS = 200
MAX_DOCUMENTS = 30


@dataclass(frozen=True)
class RoadmapData:
    """What an officer says about a road map: what it is about, who owns it, what it promises."""

    title: str
    started_on: date
    problem: Problem | None = None
    topic: Topic | None = None
    territory: Territory | None = None
    owner: User | None = None
    department: Department | None = None
    expected_effect: str = ""
    target_percent: int | None = None
    target_date: date | None = None
    status: str = Roadmap.Status.DRAFT
    is_public: bool = False


@dataclass(frozen=True)
class ActionData:
    title: str
    due_on: date
    responsible: User | None = None
    department: Department | None = None
    status: str = Action.Status.PLANNED
    progress: int = 0
    cost: Decimal | None = None
    note: str = ""


def may_report(action: Action, by: User) -> bool:
    """The МЦУ, or the official responsible for the action."""
    return action.responsible_id == by.pk or may_manage(action.roadmap.municipality_id, by)


def create_roadmap(
    municipality: Municipality, data: RoadmapData, *, by: User, now: datetime
) -> Roadmap:
    require_manage(municipality.pk, by)
    _check_roadmap(municipality, data)
    with transaction.atomic():
        roadmap = Roadmap(municipality=municipality, created_at=now, created_by=by)
        _fill(roadmap, data)
        roadmap.save()
    return roadmap


def update_roadmap(roadmap: Roadmap, data: RoadmapData, *, by: User, now: datetime) -> Roadmap:
    require_manage(roadmap.municipality_id, by)
    _check_roadmap(roadmap.municipality, data)
    with transaction.atomic():
        locked = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
        _fill(locked, data)
        locked.save()
    return locked


def add_action(roadmap: Roadmap, data: ActionData, *, by: User, now: datetime) -> Action:
    require_manage(roadmap.municipality_id, by)
    _check_action(roadmap, data)
    with transaction.atomic():
        Roadmap.objects.select_for_update().filter(pk=roadmap.pk).first()
        positions = list(roadmap.actions.values_list("position", flat=True))
        if len(positions) >= MAX_ACTIONS:
            raise CaseError(
                ErrorCode.INVALID, f"В дорожной карте не больше {MAX_ACTIONS} мероприятий."
            )
        action = Action(roadmap=roadmap, position=max(positions, default=-1) + 1)
        _fill_action(action, data, today=_today(roadmap, now))
        action.updated_at = now
        action.save()
    return action


def update_action(action: Action, data: ActionData, *, by: User, now: datetime) -> Action:
    """Change everything about an action (the МЦУ)."""
    roadmap = action.roadmap
    require_manage(roadmap.municipality_id, by)
    _check_action(roadmap, data)
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        _fill_action(locked, data, today=_today(roadmap, now))
        locked.updated_at = now
        locked.save()
    return locked


def report_progress(
    action: Action, *, status: str, progress: int, note: str, by: User, now: datetime
) -> Action:
    """The responsible official (or the МЦУ) says how far the action has got."""
    if not may_report(action, by):
        raise CaseError(ErrorCode.FORBIDDEN, NO_RIGHTS)
    _check_progress(status, progress)
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        _set_progress(locked, status, progress, today=_today(action.roadmap, now))
        locked.note = note.strip()
        locked.updated_at = now
        locked.save()
    return locked


def reorder_actions(roadmap: Roadmap, order: Sequence[int], *, by: User) -> None:
    """Put the road map's actions in the order of `order`, which names each of them once."""
    require_manage(roadmap.municipality_id, by)
    with transaction.atomic():
        Roadmap.objects.select_for_update().filter(pk=roadmap.pk).first()
        actions = {a.pk: a for a in roadmap.actions.all()}
        if len(order) != len(set(order)) or set(order) != set(actions):
            raise CaseError(
                ErrorCode.INVALID, "Порядок должен назвать каждое мероприятие карты один раз."
            )
        for position, pk in enumerate(order):
            actions[pk].position = position
        Action.objects.bulk_update(actions.values(), ["position"])


def move_action(action: Action, step: int, *, by: User) -> None:
    """Move an action one place up (−1) or down (+1) among its road map's actions."""
    order = list(action.roadmap.actions.order_by("position", "pk").values_list("pk", flat=True))
    index = order.index(action.pk)
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(order):
        raise CaseError(ErrorCode.INVALID, "Мероприятие уже на краю списка.")
    order[index], order[target] = order[target], order[index]
    reorder_actions(action.roadmap, order, by=by)


def delete_action(action: Action, *, by: User) -> None:
    """Delete an action with its documents (their files go once the deletion is committed)."""
    require_manage(action.roadmap.municipality_id, by)
    with transaction.atomic():
        names = list(action.documents.values_list("file", flat=True))
        action.delete()
        _remove_files_on_commit(names)


def attach_document(
    action: Action, upload: UploadedFile, *, by: User, now: datetime
) -> ActionDocument:
    """Store a document of an action after checking its size and its content, like a
    citizen's attachment (`veche.cases.files`); it is served only as a download."""
    if not may_report(action, by):
        raise CaseError(ErrorCode.FORBIDDEN, NO_RIGHTS)
    kind = check_upload(upload)
    with transaction.atomic():
        Action.objects.select_for_update().filter(pk=action.pk).first()
        if action.documents.count() >= MAX_DOCUMENTS:
            raise CaseError(
                ErrorCode.INVALID,
                f"К мероприятию можно приложить не больше {MAX_DOCUMENTS} файлов.",
            )
        document = ActionDocument(
            action=action,
            name=safe_name(upload.name or "file", kind),
            content_type=kind.mime,
            size=upload.size or 0,
            uploaded_at=now,
            uploaded_by=by,
        )
        document.file.save(f"{uuid.uuid4().hex}.{kind.extension}", upload, save=False)
        try:
            document.save()
        except Exception:
            document.file.storage.delete(document.file.name)
            raise
    return document


def delete_document(document: ActionDocument, *, by: User) -> None:
    if not may_report(document.action, by):
        raise CaseError(ErrorCode.FORBIDDEN, NO_RIGHTS)
    with transaction.atomic():
        name = document.file.name
        document.delete()
        _remove_files_on_commit([name])


def roadmap_progress(actions: Iterable[Action]) -> int | None:
    """The road map's progress in per cent: the mean of its actions' (done = 100, cancelled
    left out); None when there is nothing to count."""
    counted = [
        100 if a.status == Action.Status.DONE else a.progress
        for a in actions
        if a.status != Action.Status.CANCELLED
    ]
    return round(sum(counted) / len(counted)) if counted else None


# --- checks and helpers -------------------------------------------------------------------------


def _check_roadmap(municipality: Municipality, data: RoadmapData) -> None:
    if not " ".join(data.title.split()):
        raise CaseError(ErrorCode.INVALID, "Укажите название дорожной карты.")
    if data.problem is None and data.topic is None and data.territory is None:
        raise CaseError(
            ErrorCode.INVALID, "Укажите проблему или тему и территорию, к которым относится карта."
        )
    if data.problem is not None and (data.topic is not None or data.territory is not None):
        raise CaseError(
            ErrorCode.INVALID, "Карта относится либо к проблеме, либо к теме и территории."
        )
    if data.problem is not None and data.problem.municipality_id != municipality.pk:
        raise CaseError(ErrorCode.INVALID, "Проблема из другого МО.")
    if data.territory is not None and data.territory.municipality_id != municipality.pk:
        raise CaseError(ErrorCode.INVALID, "Территория из другого МО.")
    _check_department(municipality.pk, data.department)
    _check_person(municipality.pk, data.owner, "Ответственный за карту")
    if data.status not in Roadmap.Status.values:
        raise CaseError(ErrorCode.INVALID, "Неизвестное состояние дорожной карты.")
    if data.target_percent is not None and not 1 <= data.target_percent <= 100:
        raise CaseError(ErrorCode.INVALID, "Снижение обращений — от 1 до 100 %.")
    if data.target_date is not None and data.target_date <= data.started_on:
        raise CaseError(ErrorCode.INVALID, "Дата цели должна быть позже начала работ.")


def _check_action(roadmap: Roadmap, data: ActionData) -> None:
    if not " ".join(data.title.split()):
        raise CaseError(ErrorCode.INVALID, "Укажите мероприятие.")
    _check_department(roadmap.municipality_id, data.department)
    _check_person(roadmap.municipality_id, data.responsible, "Ответственный")
    _check_progress(data.status, data.progress)
    if data.cost is not None and (data.cost < 0 or data.cost >= Decimal(10) ** 12):
        raise CaseError(ErrorCode.INVALID, "Стоимость — от 0 до триллиона рублей.")


def _check_progress(status: str, progress: int) -> None:
    if status not in Action.Status.values:
        raise CaseError(ErrorCode.INVALID, "Неизвестное состояние мероприятия.")
    if not 0 <= progress <= 100:
        raise CaseError(ErrorCode.INVALID, "Выполнение — от 0 до 100 %.")


def _check_department(municipality_id: int, department: Department | None) -> None:
    if department is not None and department.municipality_id != municipality_id:
        raise CaseError(ErrorCode.INVALID, "Подразделение из другого МО.")


def _check_person(municipality_id: int, person: User | None, label: str) -> None:
    if person is None:
        return
    works_here = Membership.objects.filter(user=person, municipality_id=municipality_id)
    if not person.is_active or not works_here.exists():
        raise CaseError(ErrorCode.INVALID, f"{label}: сотрудник не работает в этом МО.")


def _fill(roadmap: Roadmap, data: RoadmapData) -> None:
    roadmap.title = " ".join(data.title.split())[:300]
    roadmap.started_on = data.started_on
    roadmap.problem = data.problem
    roadmap.topic = data.topic
    roadmap.territory = data.territory
    roadmap.owner = data.owner
    roadmap.department = data.department
    roadmap.expected_effect = data.expected_effect.strip()
    roadmap.target_percent = data.target_percent
    roadmap.target_date = data.target_date
    roadmap.status = data.status
    roadmap.is_public = data.is_public


def _fill_action(action: Action, data: ActionData, *, today: date) -> None:
    action.title = " ".join(data.title.split())[:500]
    action.due_on = data.due_on
    action.responsible = data.responsible
    action.department = data.department
    action.cost = data.cost
    action.note = data.note.strip()
    _set_progress(action, data.status, data.progress, today=today)


def _set_progress(action: Action, status: str, progress: int, *, today: date) -> None:
    """A done action is 100 % done, on the day it was marked so; progress on a planned one
    means it is under way; an action taken back from done loses its date."""
    if status == Action.Status.DONE:
        progress = 100
        if action.status != Action.Status.DONE or action.done_on is None:
            action.done_on = today
    else:
        action.done_on = None
        if status == Action.Status.PLANNED and progress > 0:
            status = Action.Status.IN_PROGRESS
    action.status = status
    action.progress = progress


def _today(roadmap: Roadmap, now: datetime) -> date:
    return timezone.localtime(now, zoneinfo.ZoneInfo(roadmap.municipality.time_zone)).date()


def _remove_files_on_commit(names: list[str]) -> None:
    storage = ActionDocument._meta.get_field("file").storage

    def remove() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(remove)
