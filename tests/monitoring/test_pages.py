"""The monitoring pages: who sees what, the filters, «Создать обращение», «Отработано», the
sources form; a malformed request gets a 4xx with a message, never a 500."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.personas import PASSWORD, World
from veche.cases.models import Case
from veche.monitoring.models import Alert, Mention, MonitoredSource, SourceKind, WatchWord

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def client(user: object) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return c


@pytest.fixture
def source(world: World) -> MonitoredSource:
    return MonitoredSource.objects.create(
        municipality=world.municipality, kind=SourceKind.TELEGRAM, name="Канал новостей",
        address="krasnolesk_news",
    )  # fmt: skip


def mention(source: MonitoredSource, number: int, text: str, **fields: object) -> Mention:
    values: dict[str, object] = {
        "municipality": source.municipality, "source": source, "external_id": f"n/{number}",
        "url": f"https://t.me/n/{number}", "text": text, "published_at": NOW,
        "found_at": NOW, "snapshot_at": NOW, "content_hash": str(number),
    }  # fmt: skip
    values.update(fields)
    return Mention.objects.create(**values)


def test_the_feed_shows_the_operator_their_mentions_and_filters_them(
    world: World, source: MonitoredSource
) -> None:
    mention(source, 1, "Яма на <b>Ленина</b>", places=["г. Краснолесск, ул. Ленина"], risk=0.7)
    mention(source, 2, "Свалка у гаражей", keywords=["свалка"], risk=0.2)
    first = Mention.objects.get(external_id="n/1")
    mention(source, 3, "Яма на Ленина (репост)", repost_of=first)
    page = client(world.operator).get("/monitoring/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Яма на &lt;b&gt;Ленина&lt;/b&gt;" in body  # remote text is never marked safe
    assert "Свалка у гаражей" in body
    assert "(репост)" not in body
    only = client(world.operator).get("/monitoring/", {"subject": "Ленина", "min_risk": "0.5"})
    assert "Свалка у гаражей" not in only.content.decode()
    assert "Ленина" in only.content.decode()
    with_copies = client(world.operator).get("/monitoring/", {"reposts": "on"})
    assert "(репост)" in with_copies.content.decode()


def test_another_municipality_sees_nothing(world: World, source: MonitoredSource) -> None:
    mention(source, 1, "Яма на Ленина")
    page = client(world.neighbour_operator).get("/monitoring/")
    assert "Яма на Ленина" not in page.content.decode()
    response = client(world.neighbour_operator).post(
        f"/monitoring/mentions/{Mention.objects.get().pk}/case/"
    )
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_a_malformed_filter_is_a_400_with_the_reason(world: World) -> None:
    page = client(world.operator).get("/monitoring/", {"min_risk": "много", "source": "x"})
    assert page.status_code == 400
    assert "Фильтр не разобран" in page.content.decode()


def test_create_case_button_makes_an_incident_and_opens_it(
    world: World, source: MonitoredSource
) -> None:
    found = mention(source, 1, "Во дворе на Ленина свалка", places=["г. Краснолесск, ул. Ленина"])
    response = client(world.operator).post(f"/monitoring/mentions/{found.pk}/case/")
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.regime == "incident"
    assert case.channel.code == "telegram"
    assert case.address_raw == "г. Краснолесск, ул. Ленина"
    client(world.operator).post(f"/monitoring/mentions/{found.pk}/case/")
    assert Case.objects.count() == 1


def test_an_alert_is_marked_handled_with_the_response(
    world: World, source: MonitoredSource
) -> None:
    alert = Alert.objects.create(
        municipality=world.municipality, kind=Alert.Kind.SPIKE, level=Alert.Level.WARNING,
        subject="место: г. Краснолесск, ул. Мира", summary="Всплеск", created_at=NOW,
    )  # fmt: skip
    alert.evidence.add(mention(source, 1, "Нет воды на Мира"))
    c = client(world.head)
    listing = c.get("/monitoring/alerts/").content.decode()
    assert "ул. Мира" in listing
    detail = c.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "Нет воды на Мира" in detail
    empty = c.post(f"/monitoring/alerts/{alert.pk}/", {"response": ""})
    assert empty.status_code == 400
    done = c.post(f"/monitoring/alerts/{alert.pk}/", {"response": "Подвезли воду"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert (alert.response, alert.handled_by) == ("Подвезли воду", world.head)
    again = c.post(f"/monitoring/alerts/{alert.pk}/", {"response": "ещё"})
    assert again.status_code == 400
    assert "уже отработан" in again.content.decode()
    assert (
        client(world.neighbour_operator).get(f"/monitoring/alerts/{alert.pk}/").status_code == 404
    )


def test_the_head_adds_a_source_and_a_word_an_executor_cannot(world: World) -> None:
    data = {
        "municipality": world.municipality.pk, "kind": "rss", "name": "Вести",
        "address": "https://vesti.example/rss", "schedule_minutes": 30, "is_active": "on",
        "config": "{}",
    }  # fmt: skip
    assert client(world.head).post("/monitoring/sources/", data).status_code == 302
    assert MonitoredSource.objects.get().name == "Вести"
    bad = client(world.head).post("/monitoring/sources/", data | {"schedule_minutes": 1})
    assert bad.status_code == 400
    assert "От 5 минут до суток." in bad.content.decode()
    word = {"municipality": world.municipality.pk, "phrase": "нет воды"}
    assert client(world.head).post("/monitoring/words/", word).status_code == 302
    assert WatchWord.objects.get().lemmas == "нет вода"
    assert (
        client(world.housing_executor)
        .post("/monitoring/words/", word | {"phrase": "яма"})
        .status_code
        == 403
    )
    assert client(world.housing_executor).post("/monitoring/sources/", data).status_code == 403
    assert MonitoredSource.objects.count() == 1
    edit = client(world.head).get(f"/monitoring/sources/{MonitoredSource.objects.get().pk}/")
    assert edit.status_code == 200


def test_pages_need_a_login(world: World) -> None:
    assert Client().get("/monitoring/").status_code == 302
    assert Client().get("/monitoring/alerts/").status_code == 302
