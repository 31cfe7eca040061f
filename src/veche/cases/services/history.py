"""Cases together with what already happened to them (imports, the demo): each step is
checked against the workflow table and becomes an `Event`, as if done one by one."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Answer, Case, Event
from veche.cases.services._common import _allocate_numbers, _build_case, _citizens, _lock
from veche.cases.services.drafts import CaseDraft, Step
from veche.cases.signals import cases_registered, status_changed
from veche.cases.workflow import Regime, Status, is_allowed
from veche.org.access import Action
from veche.org.models import Department, Municipality, User


@dataclass
class RecordResult:
    created: int = 0
    skipped: int = 0
    case_ids: list[int] = field(default_factory=list)


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
    for draft, steps in items:
        batch.append((draft.storable(), steps))
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
        ids = [c.pk for c in cases]
        transaction.on_commit(lambda: cases_registered.send(sender=Case, case_ids=ids))
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
        for event in events:  # the deadlines follow each step, as for a change by hand
            if event.kind == Event.Kind.STATUS_CHANGED:
                status_changed.send(
                    sender=Case,
                    case=locked,
                    before=Status(event.before["status"]),
                    after=Status(event.after["status"]),
                    at=event.at,
                    by=None,
                    comment=event.comment,
                )
    return locked
