"""Every write of the file-import channel: a run from upload to report.

A run streams its file in batches: new cases go through `record_cases` (one transaction per
batch), known ones (same channel and external id) through `update_imported_case` when the
export says they moved on, and nothing when it does not, so importing a file twice creates
nothing twice. Each refused row and each value left out becomes an `ImportProblem`; the
counters and `rows_done` are saved after every batch, which is what the pages show.

A worker killed part-way leaves its run «running»: every saved batch also saves a heartbeat,
and `requeue_stale` (a periodic job) queues a run whose heartbeat stopped again. The run
then resumes after its last saved batch: the rows before it are skipped unread, and the rows
of a batch whose cases were recorded but whose counters were not are known by their external
id, so they create nothing twice (they are counted as unchanged).
"""

import logging
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files import File
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from veche.cases.errors import CaseError
from veche.cases.models import Answer, Case
from veche.cases.services import record_cases, update_imported_case
from veche.cases.workflow import Status
from veche.catalog.models import Channel, Topic
from veche.intake.imports.fields import Field
from veche.intake.imports.history import Current, plan
from veche.intake.imports.presets import Detected, detect, resolve
from veche.intake.imports.readers import FileProblem, Table, open_table
from veche.intake.imports.rows import Lookups, Parsed, Problem, RowReader, fold
from veche.intake.models import ColumnMapping, ImportKind, ImportProblem, ImportRun
from veche.org.models import Department, Municipality, User

log = logging.getLogger(__name__)

BATCH = 1000
# A run whose heartbeat is older than this lost its worker (a batch takes seconds); a queued
# run older than this lost its queued job (the queue was down, or the job died unclaimed).
STALE_AFTER = timedelta(minutes=10)
Progress = Callable[[int, int | None], None]


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    rows_done: int = 0
    # A value left out, by (column, reason): its first problem saved, and on how many rows.
    first: dict[tuple[str, str], ImportProblem] = field(default_factory=dict)
    repeats: dict[tuple[str, str], int] = field(default_factory=dict)


def start_import(
    municipality: Municipality,
    upload: File,  # type: ignore[type-arg]
    *,
    kind: ImportKind,
    by: User | None,
    now: datetime,
) -> ImportRun:
    """Keep an uploaded export (streamed to disk, outside the web root) as a queued run."""
    name = Path(upload.name or "export").name[:255]
    run = ImportRun(
        municipality=municipality, kind=kind, file_name=name, created_by=by, created_at=now
    )
    run.file.save(name, upload, save=False)
    run.save()
    return run


@dataclass(frozen=True)
class Inspection:
    headers: list[str]
    format: str = ""
    detected: Detected | None = None
    error: str = ""


def inspect_run(run: ImportRun) -> Inspection:
    """The file's header row and the export it belongs to, without reading its rows."""
    try:
        table = open_table(Path(run.file.path))
    except FileProblem as exc:
        return Inspection(headers=[], error=str(exc))
    table.close()
    return Inspection(table.headers, table.format, _detect(run, table.headers))


def _detect(run: ImportRun, headers: list[str]) -> Detected | None:
    if run.mapping is not None:
        columns = resolve(_mapped(run.mapping), headers)
        if columns is not None:
            return Detected(ImportKind(run.mapping.kind), columns, run.mapping)
    return detect(headers, ColumnMapping.objects.filter(municipality=run.municipality))


def _mapped(mapping: ColumnMapping) -> dict[Field, str]:
    return {Field(k): v for k, v in mapping.columns.items() if k in Field.values and v}


def save_mapping(
    run: ImportRun, columns: Mapping[Field, str], *, name: str, by: User | None
) -> ColumnMapping:
    """Remember how this municipality's export names its columns; the run will use it, and
    so will every later file with the same headers."""
    headers = inspect_run(run).headers
    mapping = ColumnMapping.objects.create(
        municipality=run.municipality,
        kind=run.kind,
        name=name,
        headers=headers,
        columns={str(k): v for k, v in columns.items() if v},
        created_by=by,
    )
    ImportRun.objects.filter(pk=run.pk).update(mapping=mapping)
    run.mapping = mapping
    return mapping


def run_import(run: ImportRun, *, progress: Progress | None = None) -> ImportRun:
    """Import a queued run's file. A second call on the same run does nothing. A run queued
    again by `requeue_stale` resumes after its last saved batch."""
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.QUEUED).update(
        state=ImportRun.State.RUNNING,
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
        heartbeat_at=now,
    )
    if not claimed:
        return ImportRun.objects.get(pk=run.pk)
    tally = _resumed(run.pk)
    try:
        _import(run, tally, progress)
    except FileProblem as exc:
        _finish(run, tally, ImportRun.State.FAILED, str(exc))
    except Exception:
        _finish(run, tally, ImportRun.State.FAILED, "Внутренняя ошибка загрузки, см. журнал.")
        raise
    else:
        _finish(run, tally, ImportRun.State.DONE, "")
    return ImportRun.objects.get(pk=run.pk)


def requeue_stale(now: datetime) -> list[int]:
    """The runs to queue again: a running one whose heartbeat stopped (its worker died; it is
    put back in the queue, to resume) and a queued one nobody took for `STALE_AFTER` (its job
    was lost). Queuing a run twice is harmless: only one worker claims it."""
    dead = Q(state=ImportRun.State.RUNNING) & (
        Q(heartbeat_at__lt=now - STALE_AFTER)
        | Q(heartbeat_at__isnull=True, started_at__lt=now - STALE_AFTER)
    )
    ids = []
    for pk in ImportRun.objects.filter(dead).values_list("pk", flat=True):
        # Conditional, so a run whose worker just saved a batch is left to it.
        if ImportRun.objects.filter(dead, pk=pk).update(state=ImportRun.State.QUEUED):
            log.warning("import run %s: its worker stopped, queued again to resume", pk)
            ids.append(pk)
    lost = ImportRun.objects.filter(
        state=ImportRun.State.QUEUED, created_at__lt=now - STALE_AFTER
    ).exclude(pk__in=ids)
    return ids + list(lost.values_list("pk", flat=True))


def _resumed(run_id: int) -> _Tally:
    """The counters a run saved with its last batch (zero for a new run), and the values left
    out that it reported once already (so a resumed run reports them no second time)."""
    run = ImportRun.objects.get(pk=run_id)
    tally = _Tally(
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        failed=run.failed,
        rows_done=run.rows_done,
    )
    for problem in run.problems.filter(row_skipped=False).order_by("pk"):
        key = (problem.column, problem.reason)
        if key not in tally.first:
            tally.first[key] = problem
            tally.repeats[key] = 1
    if run.rows_done:
        log.info("import run %s resumes after row %s", run_id, run.rows_done)
    return tally


def _import(run: ImportRun, tally: _Tally, progress: Progress | None) -> None:
    table = open_table(Path(run.file.path))
    detected = _detect(run, table.headers)
    if detected is None:
        table.close()
        raise FileProblem(
            "Заголовки файла не распознаны: это не выгрузка ИМ и для них нет сохранённого "
            "сопоставления столбцов (или файл в другой кодировке). Сопоставьте столбцы."
        )
    kind = detected.kind
    ImportRun.objects.filter(pk=run.pk).update(
        kind=kind, mapping=detected.mapping, rows_total=table.total
    )
    reader = _reader(run, table, detected)
    batch: list[Parsed] = []
    problems: list[Problem] = []
    skip = tally.rows_done  # a resumed run: these rows were saved before its worker died
    try:
        for number, values in table.rows:
            if skip:
                skip -= 1
                continue
            parsed, found = reader.read(number, values)
            problems += found
            tally.rows_done += 1
            if parsed is None:
                tally.failed += 1
            else:
                batch.append(parsed)
            if tally.rows_done % BATCH == 0:
                _flush(run, reader.channel, batch, problems, tally, table.total, progress)
                batch, problems = [], []
    except FileProblem:
        # The file broke part-way: keep every good row read before the break.
        _flush(run, reader.channel, batch, problems, tally, table.total, progress)
        raise
    _flush(run, reader.channel, batch, problems, tally, table.total, progress)


def _reader(run: ImportRun, table: Table, detected: Detected) -> RowReader:
    return RowReader(
        detected.kind,
        detected.columns,
        table.headers,
        channel=Channel.objects.get(code=detected.kind.value),
        tz=zoneinfo.ZoneInfo(run.municipality.time_zone),
        lookups=lookups_for(run.municipality),
    )


def lookups_for(municipality: Municipality) -> Lookups:
    topics: dict[str, int] = {}
    codes: dict[str, int] = {}
    for pk, name, pos_code in Topic.objects.filter(is_active=True).values_list(
        "pk", "name", "pos_code"
    ):
        topics.setdefault(fold(name), pk)
        if pos_code:
            codes[pos_code.strip()] = pk
    named = Topic.objects.filter(is_active=True).exclude(im_name="")
    for pk, im_name in named.values_list("pk", "im_name"):
        topics[fold(im_name)] = pk  # the ИМ name wins over a plain name
    departments = {
        fold(name): pk
        for pk, name in Department.objects.filter(municipality=municipality).values_list(
            "pk", "name"
        )
    }
    return Lookups(topics=topics, topic_codes=codes, departments=departments)


def _flush(
    run: ImportRun,
    channel: Channel,
    batch: list[Parsed],
    problems: list[Problem],
    tally: _Tally,
    total: int | None,
    progress: Progress | None,
) -> None:
    known = _known(run.municipality, channel, [p.draft.external_id for p in batch])
    fresh = [p for p in batch if p.draft.external_id not in known]
    for parsed in batch:
        if parsed.draft.external_id in known:
            problems += _update(run, known[parsed.draft.external_id], parsed, tally)
    problems += _create(run, fresh, tally)
    # The batch's problems and counters together: a worker dying between the two would
    # otherwise report the problems twice when the run resumes from the counters.
    with transaction.atomic():
        _save_problems(run, problems, tally)
        ImportRun.objects.filter(pk=run.pk).update(
            rows_done=tally.rows_done,
            created=tally.created,
            updated=tally.updated,
            unchanged=tally.unchanged,
            failed=tally.failed,
            heartbeat_at=timezone.now(),
        )
    if progress is not None:
        progress(tally.rows_done, total)


@dataclass(frozen=True)
class _Known(Current):
    pk: int = 0
    destroyed: bool = False  # its personal data were destroyed by the retention purge


def _known(municipality: Municipality, channel: Channel, ids: list[str]) -> dict[str, _Known]:
    cases = list(
        Case.objects.with_external_id()
        .filter(municipality=municipality, channel=channel, external_id__in=ids)
        .values_list("pk", "external_id", "status", "department_id", "personal_data_destroyed_at")
    )
    texts: dict[int, set[str]] = {}
    for case_id, text in Answer.objects.filter(case_id__in=[c[0] for c in cases]).values_list(
        "case_id", "text"
    ):
        texts.setdefault(case_id, set()).add(text)
    return {
        external_id: _Known(
            Status(status), department_id, frozenset(texts.get(pk, ())), pk, destroyed is not None
        )
        for pk, external_id, status, department_id, destroyed in cases
    }


DESTROYED = (
    "персональные данные этого обращения уничтожены по сроку хранения: строка не загружена, "
    "чтобы не восстановить их из старой выгрузки"
)


def _update(run: ImportRun, known: _Known, parsed: Parsed, tally: _Tally) -> list[Problem]:
    if known.destroyed:
        tally.unchanged += 1
        return [Problem(parsed.row, "", parsed.draft.external_id, DESTROYED, True)]
    steps = plan(parsed.facts, parsed.regime, known, actor_id=run.created_by_id)
    if not steps:
        tally.unchanged += 1
        return []
    case = Case.objects.get(pk=known.pk)
    try:
        update_imported_case(case, steps, by=None)
    except CaseError as exc:
        tally.failed += 1
        return [Problem(parsed.row, "", parsed.draft.external_id, exc.message, True)]
    tally.updated += 1
    return []


def _create(run: ImportRun, fresh: list[Parsed], tally: _Tally) -> list[Problem]:
    """Record a batch at once; if one row spoils it, record the rows one by one so that
    every good row is kept and the bad one is reported."""
    if not fresh:
        return []
    try:
        _record(run, fresh, tally)
    except (CaseError, DatabaseError, ValueError, OverflowError):
        problems = []
        for parsed in fresh:
            try:
                _record(run, [parsed], tally)
            except (CaseError, DatabaseError, ValueError, OverflowError) as exc:
                tally.failed += 1
                reason = exc.message if isinstance(exc, CaseError) else _db_reason(exc)
                problems.append(Problem(parsed.row, "", parsed.draft.external_id, reason, True))
        return problems
    return []


def _db_reason(exc: Exception) -> str:
    if isinstance(exc, IntegrityError):
        return "конфликт при записи (номер уже занят)"
    return f"значение не помещается в базу: {exc}"[:300]


def _record(run: ImportRun, items: list[Parsed], tally: _Tally) -> None:
    actor = run.created_by_id
    result = record_cases(
        run.municipality,
        ((p.draft, plan(p.facts, p.regime, actor_id=actor)) for p in items),
        by=run.created_by,
        batch_size=len(items) + 1,
    )
    tally.created += result.created
    tally.unchanged += result.skipped  # the same key twice in one batch


def _save_problems(run: ImportRun, problems: Iterable[Problem], tally: _Tally) -> None:
    """Refused rows are saved one by one; a value left out is saved once per column and
    reason (an unknown department repeats on every row of it) and counted."""
    rows: list[ImportProblem] = []
    for p in problems:
        row = _problem_row(run, p)
        if not p.skipped:
            key = (p.column, p.reason)
            tally.repeats[key] = tally.repeats.get(key, 0) + 1
            if key in tally.first:
                continue
            tally.first[key] = row
        rows.append(row)
    ImportProblem.objects.bulk_create(rows)


def _problem_row(run: ImportRun, p: Problem) -> ImportProblem:
    return ImportProblem(
        run=run,
        row=p.row,
        column=p.column[:200],
        value=p.value[:300],
        reason=p.reason[:500],
        row_skipped=p.skipped,
    )


def _finish(run: ImportRun, tally: _Tally, state: ImportRun.State, error: str) -> None:
    for key, problem in tally.first.items():
        count = tally.repeats[key]
        if count > 1 and problem.pk:
            more = f"{problem.reason} (то же ещё в {count - 1} стр.)"
            ImportProblem.objects.filter(pk=problem.pk).update(reason=more[:500])
    done = {"rows_total": tally.rows_done} if state == ImportRun.State.DONE else {}
    ImportRun.objects.filter(pk=run.pk).update(
        state=state,
        error=error,
        finished_at=timezone.now(),
        rows_done=tally.rows_done,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        failed=tally.failed,
        **done,
    )
    log.info("import run %s: %s, %s rows", run.pk, state, tally.rows_done)
