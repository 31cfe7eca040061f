"""Every write to a case: each function is one business operation in one transaction, each
writes its `Event`. Views, the API, imports and the demo call these and nothing else.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.files import check_upload, safe_name
from veche.cases.models import (
    Answer,
    Attachment,
    Case,
    Citizen,
    Event,
    PersonalDataAccess,
    RegistrationCounter,
)
from veche.cases.search import index_text
from veche.cases.signals import answer_approved
from veche.cases.workflow import ASSIGNABLE_STATUSES, Regime, Status, is_allowed
from veche.catalog.models import Channel, Topic
from veche.org.access import Action
from veche.org.models import Department, Municipality, User
from veche.org.selectors import actor_scope


@dataclass(frozen=True)
class CitizenData:
    full_name: str = ""
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    social_id: str = ""


@dataclass(frozen=True)
class CaseDraft:
    """What a channel knows about a new case."""

    channel: Channel
    regime: Regime
    text: str
    received_at: datetime
    external_id: str = ""
    subject: str = ""
    author: CitizenData | None = None
    address_raw: str = ""
    lat: float | None = None
    lon: float | None = None
    territory_id: int | None = None
    topic_id: int | None = None
    priority: int = Case.Priority.NORMAL


@dataclass(frozen=True)
class Step:
    """One thing that already happened to a case, for importing a history (exports, demo).

    Exactly one of `status`, `department_id`, `answer_text` or `comment` alone is the change.
    """

    at: datetime
    status: Status | None = None
    department_id: int | None = None
    answer_text: str = ""
    answer_kind: Answer.Kind = Answer.Kind.FINAL
    comment: str = ""
    actor_id: int | None = None
    # With status MERGED: the external id of the case this one was merged into, recorded
    # earlier in the same call or before it.
    merge_into: str = ""


@dataclass
class RecordResult:
    created: int = 0
    skipped: int = 0
    case_ids: list[int] = field(default_factory=list)


# --- helpers: compose inside a service, never open a transaction -------------------------------


def _require(case: Case, action: Action, by: User | None) -> None:
    if by is None:  # the system itself (a channel, a scheduled job)
        return
    scope = actor_scope(by)
    if not scope.can(Action.VIEW, case):
        raise CaseError(ErrorCode.NOT_FOUND, "Обращение не найдено.")
    if not scope.can(action, case):
        raise CaseError(ErrorCode.FORBIDDEN, "Недостаточно прав для этого действия.")


def _lock(case: Case, action: Action, by: User | None) -> Case:
    """Re-read the case under a row lock and check the actor's right on what is stored now."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _require(locked, action, by)
    return locked


def _event(
    case: Case,
    kind: Event.Kind,
    *,
    at: datetime,
    by: User | None,
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
    comment: str = "",
) -> Event:
    return Event.objects.create(
        case=case,
        kind=kind,
        at=at,
        actor=by,
        before=dict(before or {}),
        after=dict(after or {}),
        comment=comment,
    )


def _allocate_numbers(municipality: Municipality, year: int, count: int) -> list[str]:
    """Reserve `count` consecutive registration numbers, e.g. «МЦУ-2026-000123»."""
    counter, _ = RegistrationCounter.objects.select_for_update().get_or_create(
        municipality=municipality, year=year
    )
    RegistrationCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    first = counter.last + 1
    prefix = municipality.case_number_prefix
    return [f"{prefix}-{year}-{n:06d}" for n in range(first, first + count)]


def _build_case(municipality: Municipality, draft: CaseDraft, number: str) -> Case:
    if not draft.text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустой текст обращения.")
    return Case(
        municipality=municipality,
        number=number,
        regime=draft.regime,
        channel=draft.channel,
        external_id=draft.external_id,
        received_at=draft.received_at,
        subject=draft.subject,
        text=draft.text,
        address_raw=draft.address_raw,
        lat=draft.lat,
        lon=draft.lon,
        territory_id=draft.territory_id,
        topic_id=draft.topic_id,
        priority=draft.priority,
        search_lemmas=index_text(draft.subject, draft.text),
    )


def _citizens(
    municipality: Municipality, authors: Iterable[CitizenData | None]
) -> dict[CitizenData, Citizen]:
    """The citizen record of each author, created where missing. Identical personal data is
    one person: a repeat author gets the same record, so repeats can be counted."""
    wanted = {a for a in authors if a is not None and any(vars(a).values())}
    if not wanted:
        return {}
    fields = list(CitizenData.__dataclass_fields__)
    known = Citizen.objects.filter(
        municipality=municipality, full_name__in={a.full_name for a in wanted}
    ).order_by("pk")
    found: dict[CitizenData, Citizen] = {}
    for citizen in known:
        key = CitizenData(**{f: getattr(citizen, f) for f in fields})
        if key in wanted:
            found.setdefault(key, citizen)
    missing = [Citizen(municipality=municipality, **vars(a)) for a in wanted if a not in found]
    Citizen.objects.bulk_create(missing)
    found.update({CitizenData(**{f: getattr(c, f) for f in fields}): c for c in missing})
    return found


def _transition(case: Case, to: Status, *, at: datetime, by: User | None, comment: str) -> Event:
    current = Status(case.status)
    if not is_allowed(current, to, Regime(case.regime)):
        raise CaseError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            f"Переход «{current.label}» → «{to.label}» не разрешён для режима "
            f"«{Regime(case.regime).label}».",
        )
    if to == Status.ASSIGNED and case.department_id is None:
        raise CaseError(ErrorCode.INVALID, "Сначала выберите исполнителя.")
    case.status = to
    fields = ["status", "updated_at"]
    if to == Status.REGISTERED and case.registered_at is None:
        case.registered_at = at
        fields.append("registered_at")
    case.save(update_fields=fields)
    return _event(
        case,
        Event.Kind.STATUS_CHANGED,
        at=at,
        by=by,
        before={"status": current.value},
        after={"status": to.value},
        comment=comment,
    )


# --- services -----------------------------------------------------------------------------------


def create_case(
    municipality: Municipality, draft: CaseDraft, *, by: User | None, now: datetime
) -> tuple[Case, bool]:
    """Register a new case; a second call with the same channel and external id returns the
    first case unchanged (`created` is False), so channels can deliver at least once."""
    if draft.external_id:
        existing = (
            Case.objects.with_external_id()
            .filter(municipality=municipality, channel=draft.channel, external_id=draft.external_id)
            .first()
        )
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic(durable=True):
            number = _allocate_numbers(municipality, draft.received_at.year, 1)[0]
            case = _build_case(municipality, draft, number)
            if draft.author is not None:
                case.author = _citizens(municipality, [draft.author]).get(draft.author)
            case.save()
            _event(
                case,
                Event.Kind.CREATED,
                at=now,
                by=by,
                after={"channel": draft.channel.code, "regime": draft.regime.value},
            )
    except IntegrityError:
        # A concurrent delivery of the same external id won the race: return its case.
        existing = (
            Case.objects.with_external_id()
            .filter(municipality=municipality, channel=draft.channel, external_id=draft.external_id)
            .first()
        )
        if existing is None or not draft.external_id:
            raise
        return existing, False
    return case, True


def record_cases(
    municipality: Municipality,
    items: Iterable[tuple[CaseDraft, Sequence[Step]]],
    *,
    by: User | None,
    batch_size: int = 2000,
) -> RecordResult:
    """Bulk-register cases together with what already happened to them (imports, the demo).

    Idempotent by external id; every step is checked against the workflow table and becomes
    an `Event`, so the timeline is the same as if the steps had been done one by one.
    """
    result = RecordResult()
    batch: list[tuple[CaseDraft, Sequence[Step]]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            _record_batch(municipality, batch, by=by, result=result)
            batch = []
    if batch:
        _record_batch(municipality, batch, by=by, result=result)
    return result


def _record_batch(
    municipality: Municipality,
    batch: list[tuple[CaseDraft, Sequence[Step]]],
    *,
    by: User | None,
    result: RecordResult,
) -> None:
    departments = dict(
        Department.objects.filter(municipality=municipality).values_list("id", "block_id")
    )
    with transaction.atomic(durable=True):
        known = _existing_external_ids(municipality, batch)
        fresh: list[tuple[CaseDraft, Sequence[Step]]] = []
        for draft, steps in batch:
            key = (draft.channel.pk, draft.external_id)
            if draft.external_id and key in known:
                result.skipped += 1
                continue
            known.add(key)
            fresh.append((draft, steps))
        numbers: dict[int, str] = {}
        for year in sorted({d.received_at.year for d, _ in fresh}):
            indexes = [i for i, (d, _) in enumerate(fresh) if d.received_at.year == year]
            allocated = _allocate_numbers(municipality, year, len(indexes))
            numbers.update(zip(indexes, allocated, strict=True))
        authors = _citizens(municipality, [d.author for d, _ in fresh])
        cases: list[Case] = []
        events: list[Event] = []
        answers: list[Answer] = []
        merges: list[tuple[Case, Step]] = []
        for i, (draft, steps) in enumerate(fresh):
            case = _build_case(municipality, draft, numbers[i])
            case.author = authors.get(draft.author) if draft.author else None
            events.append(
                Event(
                    case=case,
                    kind=Event.Kind.CREATED,
                    at=draft.received_at,
                    actor=by,
                    after={"channel": draft.channel.code, "regime": draft.regime.value},
                )
            )
            _replay(case, steps, departments, events, answers)
            merges.extend((case, step) for step in steps if step.merge_into)
            cases.append(case)
        Case.objects.bulk_create(cases)
        _link_merged(municipality, cases, merges, events)
        Event.objects.bulk_create(events)
        Answer.objects.bulk_create(answers)
    result.created += len(cases)
    result.case_ids.extend(c.pk for c in cases)


def _link_merged(
    municipality: Municipality,
    cases: list[Case],
    merges: list[tuple[Case, Step]],
    events: list[Event],
) -> None:
    """Point merged cases at their parents, as `merge_case` does, after the batch is saved."""
    if not merges:
        return
    wanted = {step.merge_into for _, step in merges}
    found = [(c.external_id, c.pk) for c in cases if c.external_id in wanted]
    found += (
        Case.objects.with_external_id()
        .filter(municipality=municipality, external_id__in=wanted)
        .values_list("external_id", "pk")
    )
    parents: dict[str, set[int]] = {}
    for external_id, pk in found:
        parents.setdefault(external_id, set()).add(pk)
    for case, step in merges:
        candidates = parents.get(step.merge_into, set()) - {case.pk}
        if len(candidates) != 1 or step.status != Status.MERGED:
            raise CaseError(
                ErrorCode.INVALID,
                f"{case.number}: не найдено одно обращение {step.merge_into!r} для объединения.",
            )
        case.parent_id = candidates.pop()
        common = {"at": step.at, "actor_id": step.actor_id, "kind": Event.Kind.LINKED}
        events.append(Event(case=case, after={"parent": case.parent_id}, **common))
        events.append(Event(case_id=case.parent_id, after={"merged": case.pk}, **common))
    Case.objects.bulk_update([case for case, _ in merges], ["parent"])


def _existing_external_ids(
    municipality: Municipality, batch: list[tuple[CaseDraft, Sequence[Step]]]
) -> set[tuple[int, str]]:
    by_channel: dict[int, set[str]] = {}
    for draft, _ in batch:
        if draft.external_id:
            by_channel.setdefault(draft.channel.pk, set()).add(draft.external_id)
    known: set[tuple[int, str]] = set()
    for channel_id, ids in by_channel.items():  # one index seek per id: (municipality, channel, id)
        known.update(
            Case.objects.with_external_id()
            .filter(municipality=municipality, channel_id=channel_id, external_id__in=ids)
            .values_list("channel_id", "external_id")
        )
    return known


def _replay(
    case: Case,
    steps: Sequence[Step],
    departments: Mapping[int, int | None],
    events: list[Event],
    answers: list[Answer],
) -> None:
    """Apply a history to an unsaved case, checking every transition against the table, and
    collect the events and answers it leaves behind."""
    for step in steps:
        common = {"case": case, "at": step.at, "actor_id": step.actor_id, "comment": step.comment}
        if step.department_id is not None:
            if step.department_id not in departments:
                raise CaseError(
                    ErrorCode.INVALID, f"Неизвестное подразделение {step.department_id}."
                )
            before = {"department": case.department_id}
            case.department_id = step.department_id
            case.block_id = departments[step.department_id]
            events.append(
                Event(
                    kind=Event.Kind.ASSIGNED,
                    before=before,
                    after={"department": step.department_id},
                    **common,
                )
            )
        if step.answer_text:
            sent = step.status in {Status.ANSWERED, Status.INTERIM_ANSWER}
            answers.append(
                Answer(
                    case=case,
                    kind=step.answer_kind,
                    state=Answer.State.SENT if sent else Answer.State.DRAFT,
                    text=step.answer_text,
                    created_by_id=step.actor_id,
                    created_at=step.at,
                    sent_at=step.at if sent else None,
                )
            )
        if step.status is not None:
            current = Status(case.status)
            if not is_allowed(current, step.status, Regime(case.regime)):
                raise CaseError(
                    ErrorCode.TRANSITION_NOT_ALLOWED,
                    f"{case.number}: переход {current} → {step.status} не разрешён.",
                )
            if step.status == Status.ASSIGNED and case.department_id is None:
                raise CaseError(ErrorCode.INVALID, f"{case.number}: назначено без исполнителя.")
            case.status = step.status
            if step.status == Status.REGISTERED and case.registered_at is None:
                case.registered_at = step.at
            events.append(
                Event(
                    kind=Event.Kind.STATUS_CHANGED,
                    before={"status": current.value},
                    after={"status": step.status.value},
                    **common,
                )
            )
        elif step.comment and step.department_id is None:
            events.append(Event(kind=Event.Kind.COMMENT, **common))


def change_status(
    case: Case, to: Status, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    action = Action.APPROVE if to == Status.ANSWER_APPROVED else Action.WORK
    with transaction.atomic(durable=True):
        locked = _lock(case, action, by)
        _transition(locked, to, at=now, by=by, comment=comment)
    return locked


def assign_case(
    case: Case, department: Department, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    """Route a case to a department (and its block); a new case is registered on the way."""
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.ASSIGN, by)
        if department.municipality_id != locked.municipality_id:
            raise CaseError(ErrorCode.INVALID, "Подразделение из другого МО.")
        if locked.status == Status.NEW:
            _transition(locked, Status.REGISTERED, at=now, by=by, comment="")
        if Status(locked.status) not in ASSIGNABLE_STATUSES:
            raise CaseError(
                ErrorCode.TRANSITION_NOT_ALLOWED,
                f"Нельзя назначить исполнителя в статусе «{Status(locked.status).label}».",
            )
        before = {"department": locked.department_id}
        locked.department = department
        locked.block_id = department.block_id
        locked.save(update_fields=["department", "block", "updated_at"])
        _event(
            locked,
            Event.Kind.ASSIGNED,
            at=now,
            by=by,
            before=before,
            after={"department": department.pk},
            comment=comment,
        )
        if locked.status != Status.ASSIGNED:
            _transition(locked, Status.ASSIGNED, at=now, by=by, comment="")
    return locked


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def assign_cases(
    case_ids: Iterable[int], department: Department, *, by: User, now: datetime
) -> BulkResult:
    """Bulk assignment from the inbox: each case on its own, failures reported per case."""
    result = BulkResult()
    for case in Case.objects.filter(pk__in=list(case_ids)).order_by("pk"):
        try:
            assign_case(case, department, by=by, now=now)
        except CaseError as error:
            result.failed[case.pk] = error.message
        else:
            result.done.append(case.pk)
    return result


def change_topic(case: Case, topic: Topic | None, *, by: User | None, now: datetime) -> Case:
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.WORK, by)
        before = {"topic": locked.topic_id}
        locked.topic = topic
        locked.save(update_fields=["topic", "updated_at"])
        _event(
            locked,
            Event.Kind.TOPIC_CHANGED,
            at=now,
            by=by,
            before=before,
            after={"topic": topic.pk if topic else None},
        )
    return locked


def add_comment(case: Case, text: str, *, by: User, now: datetime) -> Event:
    """An internal comment on the timeline, never shown to the citizen."""
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустой комментарий.")
    with transaction.atomic(durable=True):
        return _event(
            _lock(case, Action.WORK, by), Event.Kind.COMMENT, at=now, by=by, comment=text.strip()
        )


def draft_answer(
    case: Case,
    text: str,
    *,
    by: User,
    now: datetime,
    kind: Answer.Kind = Answer.Kind.FINAL,
) -> Answer:
    """Save a draft answer; a final draft moves the case to approval («на согласовании»)."""
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустой текст ответа.")
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.WORK, by)
        if kind == Answer.Kind.FINAL:
            _transition(locked, Status.ANSWER_DRAFTED, at=now, by=by, comment="")
        answer = Answer.objects.create(
            case=locked, kind=kind, text=text.strip(), created_by=by, created_at=now
        )
        _event(
            locked,
            Event.Kind.ANSWER_DRAFTED,
            at=now,
            by=by,
            after={"answer": answer.pk, "kind": kind.value},
        )
    return answer


def reveal_author(case: Case, *, by: User, purpose: str = "case_card") -> Citizen | None:
    """The author's full personal data, for those allowed; every reveal is logged."""
    _require(case, Action.VIEW_PERSONAL_DATA, by)
    if case.author_id is None:
        return None
    PersonalDataAccess.objects.create(
        user=by, citizen_id=case.author_id, case=case, purpose=purpose
    )
    return case.author


def merge_case(
    case: Case, into: Case, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    """Merge a case into another one about the same problem (ИМ merges posts into one
    incident, DOMAIN.md §8 item 8): the case closes as MERGED, both timelines say so, and the
    author still counts in its own right."""
    if case.pk == into.pk:
        raise CaseError(ErrorCode.INVALID, "Нельзя объединить обращение с самим собой.")
    with transaction.atomic(durable=True):
        target = _lock(into, Action.WORK, by)
        locked = _lock(case, Action.WORK, by)
        if target.municipality_id != locked.municipality_id:
            raise CaseError(ErrorCode.INVALID, "Обращения из разных МО.")
        if target.status == Status.MERGED:
            raise CaseError(ErrorCode.INVALID, f"{target.number} уже объединено с другим.")
        _transition(locked, Status.MERGED, at=now, by=by, comment=comment)
        locked.parent = target
        locked.save(update_fields=["parent", "updated_at"])
        _event(
            locked, Event.Kind.LINKED, at=now, by=by, after={"parent": target.pk}, comment=comment
        )
        _event(
            target, Event.Kind.LINKED, at=now, by=by, after={"merged": locked.pk}, comment=comment
        )
    return locked


def mark_duplicate(
    case: Case, original: Case, *, by: User | None, now: datetime, comment: str = ""
) -> Case:
    """Link a дубликат to its original (DOMAIN.md §1.3): one joint answer is allowed; the
    status is left to the officer."""
    if case.pk == original.pk:
        raise CaseError(ErrorCode.INVALID, "Обращение не может быть дубликатом самого себя.")
    with transaction.atomic(durable=True):
        first = _lock(original, Action.VIEW, by)
        locked = _lock(case, Action.WORK, by)
        if first.municipality_id != locked.municipality_id:
            raise CaseError(ErrorCode.INVALID, "Обращения из разных МО.")
        before = {"duplicate_of": locked.duplicate_of_id}
        locked.duplicate_of = first
        locked.save(update_fields=["duplicate_of", "updated_at"])
        _event(
            locked,
            Event.Kind.LINKED,
            at=now,
            by=by,
            before=before,
            after={"duplicate_of": first.pk},
            comment=comment,
        )
    return locked


def add_citizen_message(case: Case, text: str, *, at: datetime, via: str) -> Event:
    """A further message from the author on an open conversation (a reply by e-mail, the next
    message in a chat): it goes on the timeline, it does not open a new case.

    Not durable: a channel records its delivery in the same transaction, so a message is
    never added twice by a retried delivery.
    """
    if not text.strip():
        raise CaseError(ErrorCode.INVALID, "Пустое сообщение.")
    with transaction.atomic():
        return _event(
            Case.objects.select_for_update().get(pk=case.pk),
            Event.Kind.CITIZEN_MESSAGE,
            at=at,
            by=None,
            after={"via": via},
            comment=text.strip(),
        )


def locate_case(
    case: Case,
    *,
    lat: float,
    lon: float,
    address_raw: str = "",
    at: datetime,
    by: User | None,
) -> Event:
    """Set where the problem is (a citizen's follow-up location, an officer's correction).

    Not durable, like `add_citizen_message`: a channel records its delivery alongside."""
    with transaction.atomic():
        if by is not None:
            _require(case, Action.WORK, by)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        before = {"lat": locked.lat, "lon": locked.lon, "address": locked.address_raw}
        locked.lat, locked.lon = lat, lon
        locked.address_raw = address_raw[:500] or locked.address_raw
        locked.save(update_fields=["lat", "lon", "address_raw", "updated_at"])
        after = {"lat": lat, "lon": lon, "address": locked.address_raw}
        return _event(locked, Event.Kind.LOCATED, at=at, by=by, before=before, after=after)


def attach_file(case: Case, upload: UploadedFile, *, by: User | None, now: datetime) -> Attachment:
    """Store a file the citizen or an officer sent, after checking its size and its content
    (not its name): see `veche.cases.files`. Stored outside the web root, served only as a
    download to those who see the case."""
    kind = check_upload(upload)
    with transaction.atomic():
        if by is not None:
            _require(case, Action.WORK, by)
        item = Attachment(
            case=case,
            name=safe_name(upload.name or "file", kind),
            content_type=kind.mime,
            size=upload.size or 0,
        )
        item.file.save(f"{uuid.uuid4().hex}.{kind.extension}", upload, save=False)
        item.save()
        _event(
            case,
            Event.Kind.ATTACHMENT_ADDED,
            at=now,
            by=by,
            after={"attachment": item.pk, "name": item.name, "size": item.size},
        )
    return item


def approve_answer(answer: Answer, *, by: User, now: datetime) -> Answer:
    """The approval step before an answer goes out (DOMAIN.md §3: «на согласование»)."""
    with transaction.atomic(durable=True):
        case = _lock(answer.case, Action.APPROVE, by)
        locked = Answer.objects.select_for_update().get(pk=answer.pk)
        if locked.state != Answer.State.DRAFT:
            raise CaseError(ErrorCode.INVALID, "Ответ уже согласован.")
        if locked.kind == Answer.Kind.FINAL:
            _transition(case, Status.ANSWER_APPROVED, at=now, by=by, comment="")
        locked.state = Answer.State.APPROVED
        locked.approved_by = by
        locked.save(update_fields=["state", "approved_by"])
        _event(case, Event.Kind.ANSWER_APPROVED, at=now, by=by, after={"answer": locked.pk})
        transaction.on_commit(lambda: answer_approved.send(sender=Answer, answer=locked))
    return locked


def record_answer_sent(answer: Answer, *, at: datetime, via: str, reference: str = "") -> Answer:
    """The channel has delivered an approved answer to the citizen; a final answer moves the
    case to «Ответ направлен». Called by the channel that sent it, never twice for one answer."""
    with transaction.atomic():
        locked = Answer.objects.select_for_update().select_related("case").get(pk=answer.pk)
        if locked.state == Answer.State.SENT:
            return locked
        if locked.state != Answer.State.APPROVED:
            raise CaseError(ErrorCode.INVALID, "Направить можно только согласованный ответ.")
        case = Case.objects.select_for_update().get(pk=locked.case_id)
        if locked.kind == Answer.Kind.FINAL:
            _transition(case, Status.ANSWERED, at=at, by=None, comment="")
        locked.state = Answer.State.SENT
        locked.sent_at = at
        locked.save(update_fields=["state", "sent_at"])
        _event(
            case,
            Event.Kind.ANSWER_SENT,
            at=at,
            by=None,
            after={"answer": locked.pk, "via": via, "reference": reference},
        )
    return locked


def add_system_note(case: Case, text: str, *, at: datetime) -> Event:
    """A note by Veche itself on the timeline (e.g. an attachment a channel had to refuse)."""
    with transaction.atomic():
        return _event(case, Event.Kind.COMMENT, at=at, by=None, comment=text)


def update_imported_case(case: Case, steps: Sequence[Step], *, by: User | None) -> Case:
    """What a re-imported export says happened to a known case since the last import: the
    same steps as `record_cases` replays for a new one, checked against the workflow table,
    each written as its `Event` (and an `Answer` where it carries one)."""
    with transaction.atomic(durable=True):
        locked = _lock(case, Action.WORK, by)
        departments = dict(
            Department.objects.filter(municipality_id=locked.municipality_id).values_list(
                "id", "block_id"
            )
        )
        events: list[Event] = []
        answers: list[Answer] = []
        _replay(locked, steps, departments, events, answers)
        locked.save(update_fields=["status", "registered_at", "department", "block", "updated_at"])
        Event.objects.bulk_create(events)
        Answer.objects.bulk_create(answers)
    return locked
