"""A municipality's gazetteer in the database: imported from CSV or GeoJSON with a row-by-row
report, replaced whole, exported back, and matched against from memory."""

import io
import json
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from tests.personas import World
from veche.demo.builder import build_demo
from veche.org.models import Territory
from veche.triage import gazetteer_file
from veche.triage.gazetteer import DEMO_GAZETTEER, RecordKind, load_gazetteer
from veche.triage.gazetteer_file import MAX_LENGTHS, GazetteerFileError
from veche.triage.gazetteer_store import (
    export_lines,
    find_places,
    gazetteer_for,
    import_gazetteer,
    kind_counts,
    territory_counts,
)
from veche.triage.models import GazetteerPlace
from veche.triage.places import AddressGuess

CENTRAL = "Центральный территориальный отдел"
BIRCH = "Берёзовский территориальный отдел"
LOADED_BARE = "место загружено без территории"
DEMO_OKTMO = ("--municipality", "00000001")

GOOD_AND_BAD = """kind,name,settlement,street,house,lat,lon,territory
settlement,г. Демо,,,,55.0,37.0,Центральный территориальный отдел
settlement,с. Берёзовка,,,,55.2,37.3,берёзовский  территориальный отдел
street,ул. Ленина,г. Демо,,,55.01,37.01,
street,пер. Почтовый,г. Демо,,,,,
village,д. Неведомая,,,,55.3,37.4,
house,,г. Демо,ул. Ленина,,55.0105,37.0105,
house,,г. Демо,ул. Ленина,5а,55.0105,37.0105,
landmark,школа № 2,г. Демо,,,91.5,37.04,
landmark,,г. Демо,,,55.04,37.04,
landmark,ФАП,с. Берёзовка,,,55.2o2,37.302,
street,ул. Школьная,с. Берёзовка,,,55.201,37.301,Лесной ТО
"""


def _import(world: World, text: str, **kwargs: Any) -> Any:
    return import_gazetteer(world.municipality, io.BytesIO(text.encode()), **kwargs)


@pytest.fixture
def territories(world: World) -> dict[str, Territory]:
    return {
        name: Territory.objects.create(
            municipality=world.municipality, kind=Territory.Kind.UNIT, name=name
        )
        for name in (CENTRAL, BIRCH)
    }


def _names(world: World) -> list[str]:
    places = GazetteerPlace.objects.filter(municipality=world.municipality).order_by("pk")
    return [p.name or f"{p.street}, {p.house}" for p in places]


def test_every_good_row_is_imported_and_each_bad_one_reported(
    world: World, territories: dict[str, Territory]
) -> None:
    report = _import(world, GOOD_AND_BAD)

    assert (report.format, report.unit) == ("CSV, UTF-8, разделитель «,»", "строка")
    assert _names(world) == [
        "г. Демо",
        "с. Берёзовка",
        "ул. Ленина",
        "пер. Почтовый",
        "ул. Ленина, 5а",
        "ул. Школьная",
    ]
    assert (report.imported, report.rejected, report.problem_count) == (6, 5, 6)
    assert [(p.number, p.reason, p.loaded) for p in report.problems] == [
        (6, "вид (kind) «village»: нужен settlement, street, house или landmark", False),
        (7, "нет номера дома (house)", False),
        (9, "широта (lat) 91.5 вне диапазона −90…90", False),
        (10, "нет названия (name)", False),
        (11, "широта (lat) «55.2o2» — не число", False),
        (12, f"территория «Лесной ТО» не найдена среди территорий МО: {LOADED_BARE}", True),
    ]
    birch = GazetteerPlace.objects.get(name="с. Берёзовка")
    assert birch.territory == territories[BIRCH]  # case, «ё» and double spaces aside
    assert GazetteerPlace.objects.get(name="ул. Школьная").territory is None


def test_a_windows_1251_file_with_semicolons_and_decimal_commas_is_read(
    world: World, territories: dict[str, Territory]
) -> None:
    text = "kind;name;settlement;street;house;lat;lon;territory\r\n"
    text += f"settlement;с. Берёзовка;;;;55,2;37,3;{BIRCH}\r\n"

    report = import_gazetteer(world.municipality, io.BytesIO(text.encode("cp1251")))

    assert (report.format, report.imported, report.problem_count) == (
        "CSV, Windows-1251, разделитель «;»",
        1,
        0,
    )
    place = GazetteerPlace.objects.get()
    assert (place.name, place.lat, place.lon, place.territory) == (
        "с. Берёзовка",
        55.2,
        37.3,
        territories[BIRCH],
    )


def _feature(coordinates: Any, **properties: Any) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": coordinates} if coordinates else None
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_geojson_features_are_imported_and_bad_ones_reported_by_number(
    world: World, territories: dict[str, Territory], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gazetteer_file, "_CHUNK", 16)  # features cut across many reads
    features = [
        _feature([37.0, 55.0], kind="settlement", name="г. Демо", territory=CENTRAL),
        _feature([37.01, 55.01], kind="house", settlement="г. Демо", street="ул. Мира", house=7),
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[37, 55]]}},
        _feature(None, kind="street", name="ул. Мира", settlement="г. Демо"),
        "не объект",
    ]
    collection = {"type": "FeatureCollection", "name": "места", "features": features}

    report = import_gazetteer(
        world.municipality, io.BytesIO(json.dumps(collection, ensure_ascii=False).encode())
    )

    assert (report.format, report.unit, report.imported) == ("GeoJSON", "объект", 3)
    assert [(p.number, p.reason) for p in report.problems] == [
        (3, "геометрия LineString: нужна точка (Point)"),
        (5, 'объект не Feature: ожидался {"type": "Feature", …}'),
    ]
    house = GazetteerPlace.objects.get(kind=RecordKind.HOUSE)
    assert (house.street, house.house, house.lat, house.lon) == ("ул. Мира", "7", 55.01, 37.01)
    assert GazetteerPlace.objects.get(kind=RecordKind.SETTLEMENT).territory == territories[CENTRAL]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Файл пустой."),
        (b"name,lat,lon\nx,1,2\n", "В первой строке нет столбцов kind: нужен заголовок"),
        (b'{"type": "FeatureCollection"}', "В GeoJSON нет списка features"),
        (b'{"features": [{"type": "Feature"}, {"type": ]}', "GeoJSON повреждён около символа"),
        (b'{"features": [{"type": "Feature"', "GeoJSON обрывается"),
    ],
)
def test_an_unreadable_file_changes_nothing(
    world: World, territories: dict[str, Territory], content: bytes, message: str
) -> None:
    _import(world, GOOD_AND_BAD)

    with pytest.raises(GazetteerFileError, match=message):
        import_gazetteer(world.municipality, io.BytesIO(content))

    assert GazetteerPlace.objects.filter(municipality=world.municipality).count() == 6


def test_reimport_replaces_the_places_and_append_adds_to_them(
    world: World, territories: dict[str, Territory]
) -> None:
    _import(world, GOOD_AND_BAD)
    other = "kind,name,lat,lon\nsettlement,п. Лесной,56.0,38.0\n"

    replaced = _import(world, other)
    assert (replaced.imported, replaced.removed) == (1, 6)
    assert _names(world) == ["п. Лесной"]

    appended = _import(world, "kind,name,lat,lon\nsettlement,д. Ключи,56.1,38.1\n", replace=False)
    assert (appended.imported, appended.removed) == (1, 0)
    assert _names(world) == ["п. Лесной", "д. Ключи"]


def test_a_file_without_a_good_row_leaves_the_gazetteer_as_it_was(
    world: World, territories: dict[str, Territory]
) -> None:
    _import(world, GOOD_AND_BAD)
    before = _names(world)

    report = _import(world, "kind,name,lat,lon\nvillage,x,1,2\nstreet,,,\n")

    assert (report.imported, report.rejected, report.removed) == (0, 2, 0)
    assert _names(world) == before


def test_another_municipality_keeps_its_gazetteer(
    world: World, territories: dict[str, Territory]
) -> None:
    import_gazetteer(world.neighbour, io.BytesIO(b"kind,name,lat,lon\nsettlement,x,1,2\n"))

    _import(world, GOOD_AND_BAD)

    theirs = GazetteerPlace.objects.filter(municipality=world.neighbour)
    assert list(theirs.values_list("name", flat=True)) == ["x"]


def test_values_longer_than_the_columns_are_bad_rows(world: World) -> None:
    for field, limit in MAX_LENGTHS.items():
        if field != "territory":
            column = GazetteerPlace._meta.get_field(field)
            assert isinstance(column, models.Field) and column.max_length == limit
    long_name = "ул. " + "Д" * 300

    report = _import(world, f"kind,name,settlement,lat,lon\nstreet,{long_name},г. Демо,1,2\n")

    assert [p.reason for p in report.problems] == ["название (name) длиннее 300 символов"]


def test_gazetteer_for_sees_a_new_import_and_resolves_territories(
    world: World, territories: dict[str, Territory]
) -> None:
    assert gazetteer_for(world.municipality) is None
    _import(world, GOOD_AND_BAD)
    first = gazetteer_for(world.municipality)
    assert first is not None
    assert gazetteer_for(world.municipality) is first  # cached while nothing changes

    found = first.match(AddressGuess(0, 0, 0.9, street="Ленина", street_type="улица", house="5А"))
    assert found is not None
    assert (found.level, found.territory, found.territory_id) == (
        RecordKind.HOUSE,
        CENTRAL,
        territories[CENTRAL].pk,
    )

    _import(world, f"kind,name,lat,lon,territory\nsettlement,п. Лесной,56.0,38.0,{BIRCH}\n")
    second = gazetteer_for(world.municipality)
    assert second is not first and second is not None
    located = second.locate("В посёлке Лесном упало дерево")
    assert located is not None
    assert (located.name, located.territory_id) == ("п. Лесной", territories[BIRCH].pk)


def test_export_writes_the_file_format_back(
    world: World, territories: dict[str, Territory]
) -> None:
    _import(world, GOOD_AND_BAD)

    lines = list(export_lines(world.municipality))

    assert lines[0] == "kind,name,settlement,street,house,lat,lon,territory\n"
    assert lines[1] == f"settlement,г. Демо,,,,55.000000,37.000000,{CENTRAL}\n"
    assert lines[4] == "street,пер. Почтовый,г. Демо,,,,,\n"
    assert lines[5] == "house,,г. Демо,ул. Ленина,5а,55.010500,37.010500,\n"
    assert len(lines) == 7


def test_counts_by_kind_and_territory_take_a_place_into_its_settlements_territory(
    world: World, territories: dict[str, Territory]
) -> None:
    _import(world, GOOD_AND_BAD)

    assert kind_counts(world.municipality) == {
        RecordKind.SETTLEMENT: 2,
        RecordKind.STREET: 3,
        RecordKind.HOUSE: 1,
        RecordKind.LANDMARK: 0,
    }
    rows = {r.name: (list(r.kinds.values()), r.total) for r in territory_counts(world.municipality)}
    # ул. Школьная: its own territory was not found, so it is in с. Берёзовка's
    assert rows == {BIRCH: ([1, 1, 0, 0], 2), CENTRAL: ([1, 2, 1, 0], 4)}


def test_find_places_needs_every_word_and_ignores_case_and_yo(
    world: World, territories: dict[str, Territory]
) -> None:
    _import(world, GOOD_AND_BAD)

    places, total = find_places(world.municipality, "БЕРЕЗОВКА", limit=1)
    assert total == 2  # the settlement and ул. Школьная in it
    assert [p.name for p in places] == ["с. Берёзовка"]

    places, total = find_places(world.municipality, "школьная, березовка", limit=10)
    assert [p.name for p in places] == ["ул. Школьная"]


def test_load_gazetteer_without_a_database_names_the_first_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")

    with pytest.raises(GazetteerFileError, match=r"^строка 6: вид \(kind\) «village»"):
        load_gazetteer(path)


def test_the_demo_loads_its_gazetteer_with_every_territory_resolved(db: None) -> None:
    demo = build_demo(cases=0, seed=7, now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    places = GazetteerPlace.objects.filter(municipality=demo.municipality)
    shipped = DEMO_GAZETTEER.read_text(encoding="utf-8")
    assert places.count() == len(shipped.splitlines()) - 1
    assert "".join(export_lines(demo.municipality)) == shipped
    assert not [r for r in territory_counts(demo.municipality) if not r.name]
    gazetteer = gazetteer_for(demo.municipality)
    assert gazetteer is not None
    found = gazetteer.locate("В Берёзовке на ул. Школьной у дома 5 яма")
    assert found is not None and found.territory_id is not None
    unit = Territory.objects.get(municipality=demo.municipality, pk=found.territory_id)
    assert unit.name == BIRCH


def test_command_imports_reports_and_fails_on_a_file_without_good_rows(
    world: World, territories: dict[str, Territory], tmp_path: Path
) -> None:
    path = tmp_path / "places.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    out = StringIO()

    call_command("gazetteer", "import", str(path), *DEMO_OKTMO, stdout=out, verbosity=0)

    text = out.getvalue()
    assert "загружено мест 6, отклонено 5, заменено прежних 0." in text
    assert "строка 6 (не загружена): вид (kind) «village»" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,name,lat,lon\nvillage,x,1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Ни одной годной строки"):
        call_command("gazetteer", "import", str(bad), *DEMO_OKTMO, "--append", verbosity=0)
    assert GazetteerPlace.objects.filter(municipality=world.municipality).count() == 6


def test_command_exports_and_shows(
    world: World, territories: dict[str, Territory], tmp_path: Path
) -> None:
    _import(world, GOOD_AND_BAD)
    target = tmp_path / "out.csv"

    call_command("gazetteer", "export", str(target), *DEMO_OKTMO, stderr=StringIO())
    out = StringIO()
    call_command("gazetteer", "show", stdout=out)

    assert target.read_text(encoding="utf-8") == "".join(export_lines(world.municipality))
    assert out.getvalue().splitlines() == [
        "Демо муниципальный округ (00000001): мест 6 — "
        "населённых пунктов 2, улиц 3, домов 1, объектов 0",
        "Соседний округ (00000002): мест 0 — населённых пунктов 0, улиц 0, домов 0, объектов 0",
    ]
