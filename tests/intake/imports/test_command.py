"""`veche import pos|im FILE` in the terminal."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.intake.imports.exports import POS_HEADERS, im_row, pos_row, write_xlsx
from tests.personas import World
from veche.cases.models import Case
from veche.intake.imports.presets import IM_HEADERS
from veche.intake.models import ImportRun


def test_import_im_prints_summary_and_problems(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, [im_row(1), im_row(2, text="")])
    out, report = StringIO(), tmp_path / "report.csv"

    call_command(
        "import", "im", str(path), municipality=world.municipality.oktmo, report=report,
        stdout=out, stderr=StringIO(),
    )  # fmt: skip

    lines = out.getvalue().splitlines()
    assert lines[0] == "Формат: xlsx; 42 столбцов."
    assert lines[1] == ("Строк: 2; создано 1, обновлено 0, без изменений 0, не загружено 1.")
    assert lines[2] == "  строка 3 (не загружена) · Текст инцидента: пустой текст"
    assert Case.objects.get().external_id == "1"
    assert "3;Текст инцидента;;пустой текст;нет" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 broken", "Файл XLSX повреждён"),
        ("Номер;Текст\n1;привет\n".encode(), "Заголовки не распознаны"),
    ],
)
def test_unreadable_file_exits_non_zero(
    world: World, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        call_command("import", "pos", str(path), municipality=str(world.municipality.pk))

    assert Case.objects.count() == 0
    assert ImportRun.objects.get().state == ImportRun.State.FAILED


def test_kind_must_match_the_file(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, [im_row(1)])

    with pytest.raises(CommandError, match="Это Выгрузка Инцидент Менеджмента"):
        call_command("import", "pos", str(path), municipality=world.municipality.oktmo)


def test_pos_with_a_saved_mapping(world: World, tmp_path: Path) -> None:
    from veche.intake.models import ColumnMapping

    mapping = ColumnMapping.objects.create(
        municipality=world.municipality,
        kind="pos",
        name="ПОС",
        headers=list(POS_HEADERS),
        columns={"external_id": "Номер сообщения", "received_at": "Дата создания",
                 "text": "Текст сообщения"},
    )  # fmt: skip
    path = write_xlsx(tmp_path / "pos.xlsx", POS_HEADERS, [pos_row(1)])

    call_command(
        "import", "pos", str(path), municipality=world.municipality.oktmo, mapping=mapping.pk,
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip

    assert Case.objects.get().channel.code == "pos"
