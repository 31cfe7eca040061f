"""The import pages through the test client, as the personas who use them."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.intake.imports.exports import POS_HEADERS, im_row, pos_row, write_csv, write_xlsx
from tests.personas import PASSWORD, World
from veche.cases.models import Case
from veche.intake.imports.presets import IM_HEADERS
from veche.intake.models import ColumnMapping, ImportRun
from veche.org.models import User

HX = {"HX-Request": "true"}
UPLOAD = "intake:imports:upload"


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _post(client: Client, path: Path, kind: str = "auto") -> Any:
    with path.open("rb") as handle:
        return client.post(reverse(UPLOAD), {"kind": kind, "file": handle})


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """The job is enqueued on commit; huey runs it at once in tests."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_operator_uploads_an_im_export_and_sees_the_report(
    world: World, tmp_path: Path, on_commit: Callable[..., Any]
) -> None:
    client = _client(world.operator)
    bad = im_row(2, text="")
    path = write_xlsx(tmp_path / "ИМ декабрь.xlsx", IM_HEADERS, [im_row(1), bad])

    with on_commit():
        response = _post(client, path)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:imports:run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Готово" in page
    assert "создано 1, обновлено 0, без изменений 0, не загружено 1" in page
    assert "<td>3</td><td>Текст инцидента</td>" in page
    assert Case.objects.filter(external_id="1").exists()


def test_progress_line_is_polled_while_the_run_is_going(world: World, tmp_path: Path) -> None:
    client = _client(world.operator)
    path = write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, [im_row(1)])
    _post(client, path)  # on_commit not executed: the run stays queued
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(rows_total=200, rows_done=50)

    fragment = client.get(reverse("intake:imports:run", args=[run.pk]), headers=HX)

    body = fragment.content.decode()
    assert body.startswith('<section id="import-run"')
    assert 'hx-trigger="every 1s"' in body
    assert "обработано 50 из 200 строк (25%)" in body


def test_unknown_pos_headers_lead_to_the_mapping_page_once(
    world: World, tmp_path: Path, on_commit: Callable[..., Any]
) -> None:
    client = _client(world.operator)
    path = write_xlsx(tmp_path / "pos.xlsx", POS_HEADERS, [pos_row(1), pos_row(2)])
    response = _post(client, path, kind="pos")
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("intake:imports:mapping", args=[run.pk])
    form = client.get(response["Location"])
    assert form.status_code == 200
    assert 'value="Номер сообщения" selected' in form.content.decode()  # guessed
    data = {
        "kind": "pos",
        "name": "ПОС Демо",
        "external_id": "Номер сообщения",
        "received_at": "Дата создания",
        "text": "Текст сообщения",
        "status": "Статус",
    }

    with on_commit():
        saved = client.post(response["Location"], data)

    assert saved["Location"] == reverse("intake:imports:run", args=[run.pk])
    assert ImportRun.objects.get(pk=run.pk).created == 2
    with on_commit():
        second = _post(client, path)  # same headers: straight to the import
    assert "mapping" not in second["Location"]
    assert ColumnMapping.objects.get().municipality == world.municipality
    assert ImportRun.objects.latest("pk").unchanged == 2


def test_report_downloads_as_csv(
    world: World, tmp_path: Path, on_commit: Callable[..., Any]
) -> None:
    client = _client(world.operator)
    path = write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, [im_row(1, created="-вчера")])
    with on_commit():
        _post(client, path)
    run = ImportRun.objects.get()

    response = client.get(reverse("intake:imports:report", args=[run.pk]))

    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.splitlines() == [
        "\ufeffСтрока;Столбец;Значение;Причина;Строка загружена",
        "2;Дата создания;'-вчера;дата не распознана (ожидается ДД.ММ.ГГГГ ЧЧ:ММ);нет",
    ]


def test_corrupt_upload_is_shown_as_a_file_error(world: World, tmp_path: Path) -> None:
    client = _client(world.operator)
    path = tmp_path / "im.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")

    response = _post(client, path)

    page = client.get(response["Location"]).content.decode()
    assert "Файл XLSX повреждён" in page
    assert ImportRun.objects.get().state == ImportRun.State.FAILED


@pytest.mark.parametrize("persona", ["housing_executor", "observer", "regional", "nobody"])
def test_only_mcu_staff_may_import(world: World, persona: str) -> None:
    response = _client(getattr(world, persona)).get(reverse(UPLOAD))

    assert response.status_code == 403


def test_another_municipality_cannot_see_a_run(world: World, tmp_path: Path) -> None:
    _post(_client(world.operator), write_xlsx(tmp_path / "im.xlsx", IM_HEADERS, [im_row(1)]))
    run = ImportRun.objects.get()
    stranger = _client(world.neighbour_operator)

    assert stranger.get(reverse("intake:imports:run", args=[run.pk])).status_code == 404
    assert stranger.get(reverse("intake:imports:report", args=[run.pk])).status_code == 404
    assert run.file_name not in stranger.get(reverse(UPLOAD)).content.decode()


def test_a_file_over_the_size_limit_is_refused_with_a_reason(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.VECHE_MAX_IMPORT_BYTES = 1024
    path = write_csv(tmp_path / "big.csv", POS_HEADERS, [pos_row(n) for n in range(50)])
    client = Client()
    client.force_login(world.operator)
    with path.open("rb") as handle:
        response = client.post("/intake/imports/", {"kind": "pos", "file": handle})

    assert response.status_code == 400
    assert "Файл больше 0 МБ" in response.content.decode()
    assert not ImportRun.objects.exists()
