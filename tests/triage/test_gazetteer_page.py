"""The gazetteer page through the test client, as the personas who use it and those who may not."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD, World
from veche.org.models import Membership, Role, Territory, User
from veche.triage.gazetteer_store import import_gazetteer
from veche.triage.models import GazetteerPlace

PAGE = reverse("triage:gazetteer")
EXPORT = reverse("triage:gazetteer_export")
CENTRAL = "Центральный территориальный отдел"
FILE = f"""kind,name,settlement,street,house,lat,lon,territory
settlement,г. Демо,,,,55.0,37.0,{CENTRAL}
street,ул. Ленина,г. Демо,,,55.01,37.01,
street,ул. Мира,г. Демо,,,north,37.02,
house,,г. Демо,ул. Ленина,5а,55.0105,37.0105,
"""


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _upload(content: str, name: str = "места.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


@pytest.fixture
def central(world: World) -> Territory:
    return Territory.objects.create(
        municipality=world.municipality, kind=Territory.Kind.UNIT, name=CENTRAL
    )


def test_head_uploads_a_file_and_sees_the_report_row_by_row(
    world: World, central: Territory
) -> None:
    client = _client(world.head)

    response = client.post(PAGE, {"file": _upload(FILE), "mode": "replace"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "CSV, UTF-8, разделитель «,». Загружено мест: 3; отклонено: 1." in page
    assert "<tr><td>4</td><td>широта (lat) «north» — не число</td><td>нет</td></tr>" in page
    assert GazetteerPlace.objects.filter(municipality=world.municipality).count() == 3
    assert GazetteerPlace.objects.get(name="г. Демо").territory == central


def test_page_shows_counts_by_kind_and_territory(world: World, central: Territory) -> None:
    import_gazetteer(world.municipality, io.BytesIO(FILE.encode()))

    page = _client(world.head).get(PAGE).content.decode()

    assert "Сейчас в справочнике: 3" in page
    assert "Населённые пункты: 1 · Улицы: 1 · Дома: 1 · Объекты: 0" in page
    assert f"<tr><td>{CENTRAL}</td><td>1</td><td>1</td><td>1</td><td>0</td><td>3</td></tr>" in page


def test_search_lists_places_and_shows_how_an_address_is_read(
    world: World, central: Territory
) -> None:
    import_gazetteer(world.municipality, io.BytesIO(FILE.encode()))

    page = _client(world.head).get(PAGE, {"q": "ул. ленина, 5А"}).content.decode()

    assert "Вече поймёт так: <strong>г. Демо, ул. Ленина, д. 5а</strong>" in page
    assert "(дом; 55.01050, 37.01050; Центральный территориальный отдел)" in page
    assert page.count("<tr><td>дом</td>") == 1  # every word in the house's names, not the street's

    page = _client(world.head).get(PAGE, {"q": "ЛЕНИНА"}).content.decode()
    assert "<td>ул. Ленина, д. 5а</td>" in page
    assert "<td>ул. Ленина</td><td>г. Демо</td>" in page

    page = _client(world.head).get(PAGE, {"q": "пр. Победы, 3"}).content.decode()
    assert "В названиях мест нет всех слов «пр. Победы, 3»." in page
    assert "Адрес «пр. Победы, 3» в справочнике не найден." in page


def test_an_unreadable_file_is_refused_with_the_reason(world: World, central: Territory) -> None:
    import_gazetteer(world.municipality, io.BytesIO(FILE.encode()))

    response = _client(world.head).post(
        PAGE, {"file": _upload('{"features": [', "places.geojson"), "mode": "replace"}
    )

    assert response.status_code == 400
    assert "GeoJSON обрывается: файл загружен не полностью." in response.content.decode()
    assert GazetteerPlace.objects.filter(municipality=world.municipality).count() == 3


def test_download_is_the_current_gazetteer_in_the_file_format(
    world: World, central: Territory
) -> None:
    import_gazetteer(world.municipality, io.BytesIO(FILE.encode()))

    response = _client(world.head).get(EXPORT)

    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert response["Content-Disposition"] == 'attachment; filename="gazetteer-00000001.csv"'
    assert body.splitlines() == [
        "\ufeffkind,name,settlement,street,house,lat,lon,territory",
        f"settlement,г. Демо,,,,55.000000,37.000000,{CENTRAL}",
        "street,ул. Ленина,г. Демо,,,55.010000,37.010000,",
        "house,,г. Демо,ул. Ленина,5а,55.010500,37.010500,",
    ]


@pytest.mark.parametrize(
    "persona", ["housing_executor", "operator", "neighbour_operator", "nobody"]
)
def test_page_and_download_are_forbidden_without_the_configure_right(
    world: World, persona: str
) -> None:
    client = _client(getattr(world, persona))

    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.post(PAGE, {"file": _upload(FILE), "mode": "replace"}).status_code == 403
    assert not GazetteerPlace.objects.exists()


def test_another_municipalitys_head_cannot_reach_this_gazetteer(
    world: World, central: Territory
) -> None:
    import_gazetteer(world.municipality, io.BytesIO(FILE.encode()))
    neighbour_head = User.objects.create_user(username="neighbour_head", password=PASSWORD)
    Membership.objects.create(user=neighbour_head, role=Role.HEAD, municipality=world.neighbour)
    client = _client(neighbour_head)
    mine = {"municipality": world.municipality.pk}

    assert client.get(PAGE, mine).status_code == 403
    assert client.get(EXPORT, mine).status_code == 403
    upload = {"file": _upload("kind,name,lat,lon\nsettlement,x,1,2\n"), "mode": "replace", **mine}
    assert client.post(PAGE, upload).status_code == 403
    assert GazetteerPlace.objects.filter(municipality=world.municipality).count() == 3
    page = client.get(PAGE).content.decode()
    assert "Справочник мест — Соседний округ" in page
    assert "Сейчас в справочнике: 0" in page


def test_anonymous_visitor_is_sent_to_log_in(db: None) -> None:
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert "login" in response["Location"]
