"""The import service: ИМ preset, idempotency, row problems, ПОС mapping, bad files."""

from pathlib import Path

from django.utils import timezone

from tests.intake.imports.conftest import RunFile
from tests.intake.imports.exports import (
    POS_HEADERS,
    im_row,
    pos_row,
    write_csv,
    write_xlsx,
)
from tests.personas import World
from veche.cases.models import Answer, Case, Event
from veche.cases.workflow import Regime, Status
from veche.intake.imports import service
from veche.intake.imports.fields import Field
from veche.intake.imports.presets import IM_HEADERS
from veche.intake.models import ImportKind, ImportProblem, ImportRun


def test_im_header_has_42_columns_some_with_commas() -> None:
    assert len(IM_HEADERS) == 42
    assert len(set(IM_HEADERS)) == 42
    assert "Время, которое первый ответ ПИ находился на согласовании" in IM_HEADERS


def test_im_export_imports_unchanged(world: World, run_file: RunFile, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "im.xlsx",
        IM_HEADERS,
        [
            im_row(5001),
            im_row(5002, step="Оценка удовлетворенности"),
            im_row(5003, step="В работе"),
        ],
    )

    run = run_file(path)

    assert (run.state, run.created, run.failed, run.rows_done) == ("done", 3, 0, 3)
    closed = Case.objects.get(external_id="5001")
    assert closed.regime == Regime.INCIDENT
    assert closed.channel.code == "im"
    assert closed.status == Status.CLOSED
    assert closed.department_id == world.housing.pk
    assert closed.topic_id == world.topic_heating.pk
    assert closed.subject == "Инцидент № IM-5001"
    assert closed.address_raw == "Демо муниципальный округ, г. Демо, ул. Ленина, 5"
    answers = list(closed.answers.values_list("kind", "state", "text"))
    assert answers == [
        ("interim", "sent", "Здравствуйте. Вопрос будет передан специалисту."),
        (
            "final",
            "sent",
            "Специалисты устранили течь в тепловом узле, отопление восстановлено 23.11.",
        ),
    ]
    # «0 days 00:42:10.103000» after «20.11.2026 08:15» (Moscow) is the first answer's time.
    interim = closed.answers.get(kind="interim")
    assert interim.sent_at is not None
    assert interim.sent_at.isoformat() == "2026-11-20T05:57:10.103000+00:00"
    assert Case.objects.get(external_id="5002").status == Status.ANSWERED
    assert Case.objects.get(external_id="5003").status == Status.INTERIM_ANSWER
    assert ImportProblem.objects.filter(run=run).count() == 0


def test_reimport_creates_nothing_and_changes_nothing(run_file: RunFile, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, [im_row(1), im_row(2, step="В работе")])
    run_file(path)
    events, answers = Event.objects.count(), Answer.objects.count()

    again = run_file(path)

    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 2, 0)
    assert Case.objects.count() == 2
    assert (Event.objects.count(), Answer.objects.count()) == (events, answers)


def test_reimport_updates_changed_status_and_answer_with_events(
    world: World, run_file: RunFile, tmp_path: Path
) -> None:
    first = write_xlsx(
        tmp_path / "a.xlsx", IM_HEADERS, [im_row(7, step="В работе", answer=""), im_row(8)]
    )
    run_file(first)
    case = Case.objects.get(external_id="7")
    assert case.status == Status.INTERIM_ANSWER
    before = set(case.events.values_list("pk", flat=True))
    later = write_xlsx(
        tmp_path / "b.xlsx",
        IM_HEADERS,
        [im_row(7, step="Готово", answer="Течь устранена, батареи горячие."), im_row(8)],
    )

    run = run_file(later)

    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.answers.get(kind="final").text == "Течь устранена, батареи горячие."
    new = case.events.exclude(pk__in=before).order_by("at", "pk")
    assert [e.after.get("status") for e in new] == [
        "answer_drafted",
        "answer_approved",
        "answered",
        "closed",
    ]
    assert {e.actor_id for e in new} == {world.operator.pk}


def test_reimport_never_moves_a_case_back(run_file: RunFile, tmp_path: Path) -> None:
    run_file(write_xlsx(tmp_path / "a.xlsx", IM_HEADERS, [im_row(9)]))

    run = run_file(write_xlsx(tmp_path / "b.xlsx", IM_HEADERS, [im_row(9, step="В работе")]))

    assert (run.updated, run.unchanged) == (0, 1)
    assert Case.objects.get(external_id="9").status == Status.CLOSED


def test_broken_rows_are_reported_and_good_rows_kept(run_file: RunFile, tmp_path: Path) -> None:
    no_text = im_row(11, text="")
    bad_date = im_row(12, created="32.13.2026 25:00")
    no_id = im_row(13)
    no_id[IM_HEADERS.index("ID")] = None
    rows = [im_row(10), no_text, bad_date, no_id, im_row(14)]

    run = run_file(write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, rows))

    assert (run.state, run.created, run.failed) == ("done", 2, 3)
    assert set(Case.objects.values_list("external_id", flat=True)) == {"10", "14"}
    problems = list(
        ImportProblem.objects.filter(run=run).values_list("row", "column", "reason", "row_skipped")
    )
    assert problems == [
        (3, "Текст инцидента", "пустой текст", True),
        (4, "Дата создания", "дата не распознана (ожидается ДД.ММ.ГГГГ ЧЧ:ММ)", True),
        (5, "ID", "нет внешнего номера", True),
    ]


def test_unknown_department_is_reported_once_and_rows_kept(
    run_file: RunFile, tmp_path: Path
) -> None:
    rows = [im_row(n, department="Администрация Неизвестного АО") for n in (21, 22, 23)]

    run = run_file(write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, rows))

    assert (run.created, run.failed) == (3, 0)
    assert Case.objects.filter(status=Status.REGISTERED, department=None).count() == 3
    problem = ImportProblem.objects.get(run=run, column="Отдел")
    assert problem.row == 2
    assert not problem.row_skipped
    assert problem.reason == (
        "подразделение «Администрация Неизвестного АО» не найдено в справочнике"
        " (то же ещё в 2 стр.)"
    )
    # The answers are kept as drafts until the case has a department.
    assert Answer.objects.filter(state="draft").count() == 6


def test_csv_in_cp1251_with_commas(run_file: RunFile, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "im.csv",
        IM_HEADERS,
        [im_row(31), im_row(32)],
        encoding="cp1251",
        delimiter=",",
    )

    run = run_file(path)

    assert (run.state, run.created) == ("done", 2)
    assert Case.objects.get(external_id="31").text.startswith("Третий день нет отопления")


def test_csv_with_bytes_of_another_encoding_loses_only_that_row(
    run_file: RunFile, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "im.csv", IM_HEADERS, [im_row(41), im_row(42), im_row(43)])
    raw = path.read_bytes()
    spoiled = "нет отопления в доме на Ленина 5".encode("cp1251")
    cut = raw.rindex("нет отопления в доме на Ленина 5".encode())
    path.write_bytes(
        raw[:cut] + spoiled + raw[cut + len("нет отопления в доме на Ленина 5".encode()) :]
    )

    run = run_file(path)

    assert (run.state, run.created, run.failed) == ("done", 2, 1)
    problem = ImportProblem.objects.get(run=run)
    assert (problem.row, problem.column, problem.row_skipped) == (4, "Текст инцидента", True)
    assert "кодировке" in problem.reason


def test_csv_in_unknown_encoding_is_a_clear_file_error(run_file: RunFile, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "im.csv", IM_HEADERS, [im_row(51)], encoding="utf-16")

    run = run_file(path)

    assert run.state == ImportRun.State.FAILED
    assert "UTF-16" in run.error
    assert Case.objects.count() == 0


def test_corrupt_xlsx_fails_with_a_clear_error(run_file: RunFile, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, [im_row(61)])
    path.write_bytes(path.read_bytes()[:300])

    run = run_file(path)

    assert run.state == ImportRun.State.FAILED
    assert run.error.startswith("Файл XLSX повреждён")
    assert Case.objects.count() == 0


def test_pos_file_needs_a_mapping_once(world: World, run_file: RunFile, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "pos.xlsx", POS_HEADERS, [pos_row(1), pos_row(2, status="Дан ответ")]
    )
    unknown = run_file(path, kind=ImportKind.POS)
    assert unknown.state == ImportRun.State.FAILED
    assert unknown.error.startswith("Заголовки файла не распознаны")

    run = run_file(path, kind=ImportKind.POS)
    service.save_mapping(run, _pos_columns(), name="ПОС Демо", by=world.operator)
    queued = run_file(tmp_path / "pos.xlsx", kind=ImportKind.POS)

    assert (queued.state, queued.created, queued.kind) == ("done", 2, "pos")
    assert queued.mapping is not None and queued.mapping.name == "ПОС Демо"
    case = Case.objects.get(external_id="ПОС-0000001")
    assert (case.regime, case.channel.code) == (Regime.MESSAGE, "pos")
    assert case.topic_id == world.topic_pits.pk
    assert case.author is not None and case.author.full_name == "Сидоров Пётр Ильич"


def _pos_columns() -> dict[Field, str]:
    return {
        Field.EXTERNAL_ID: "Номер сообщения",
        Field.RECEIVED_AT: "Дата создания",
        Field.TEXT: "Текст сообщения",
        Field.TOPIC: "Категория",
        Field.STATUS: "Статус",
        Field.AUTHOR_NAME: "ФИО заявителя",
        Field.AUTHOR_PHONE: "Телефон",
        Field.ADDRESS: "Адрес",
        Field.ANSWER: "Текст ответа",
        Field.ANSWERED_AT: "Дата ответа",
        Field.APPEAL_FLAG: "Обращение по 59-ФЗ",
    }


def test_a_date_at_the_end_of_time_spoils_only_its_row(
    world: World, run_file: RunFile, tmp_path: Path
) -> None:
    rows = [im_row(6001), im_row(6002, created="01.01.0001 00:00"), im_row(6003)]
    run = run_file(write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, rows))

    assert (run.state, run.created, run.failed) == ("done", 2, 1)
    problem = ImportProblem.objects.get(run=run)
    assert (problem.row, problem.column) == (3, "Дата создания")
    assert "вне 1990–2100" in problem.reason


def test_a_case_whose_personal_data_were_destroyed_is_not_restored_by_a_reimport(
    world: World, run_file: RunFile, tmp_path: Path
) -> None:
    run_file(write_xlsx(tmp_path / "a.xlsx", IM_HEADERS, [im_row(7, step="В работе", answer="")]))
    Case.objects.filter(external_id="7").update(personal_data_destroyed_at=timezone.now())
    case = Case.objects.get(external_id="7")
    before = (list(case.answers.values_list("text", flat=True)), case.events.count())

    run = run_file(
        write_xlsx(tmp_path / "b.xlsx", IM_HEADERS, [im_row(7, answer="Петров, ул. Мира 3")])
    )

    assert (run.created, run.updated, run.unchanged) == (0, 0, 1)
    assert (list(case.answers.values_list("text", flat=True)), case.events.count()) == before
    case.refresh_from_db()
    assert case.status == Status.INTERIM_ANSWER
    problem = run.problems.get()
    assert (problem.row, problem.row_skipped) == (2, True)
    assert "уничтожены по сроку хранения" in problem.reason
