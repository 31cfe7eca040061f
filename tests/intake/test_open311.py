"""Open311 GeoReport v2 through its real HTTP paths, as a client sees it, in JSON and in XML."""

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from tests.personas import World, make_case
from veche.cases.models import Case
from veche.cases.services import assign_case, change_status, draft_answer
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel, Topic
from veche.intake.open311 import selectors, views
from veche.org.models import User
from veche.org.services import issue_api_token

BASE = "/open311/v2"
DEMO = "00000001"  # ОКТМО of «Демо» in tests/personas.py
NEIGHBOUR = "00000002"
_CLIENTS = itertools.count()


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Time stands still in the middle of a minute (the retry window is the minute)."""
    moment = timezone.now().replace(second=20, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def key_of(user: User) -> str:
    return issue_api_token(f"client {next(_CLIENTS)} of {user.username}", user=user)[1]


def post(client: Client, fmt: str = "json", **fields: Any) -> HttpResponse:
    body = urlencode(fields, doseq=True)
    return client.post(  # type: ignore[return-value]
        f"{BASE}/requests.{fmt}", body, content_type="application/x-www-form-urlencoded"
    )


def get(client: Client, path: str, **params: str) -> HttpResponse:
    return client.get(f"{BASE}/{path}", params)  # type: ignore[return-value]


def as_json(response: HttpResponse) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def as_xml(response: HttpResponse) -> Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root: Element = fromstring(response.content)
    return root


def report(world: World, **overrides: str) -> dict[str, str]:
    fields = {
        "api_key": key_of(world.operator),
        "jurisdiction_id": DEMO,
        "service_code": str(world.topic_pits.pk),
        "lat": "55.751",
        "long": "37.618",
        "address_string": "ул. Ленина, 5",
        "description": "Глубокая яма во дворе, машины не проехать.",
    }
    return fields | overrides


def errors(response: HttpResponse) -> list[str]:
    body = as_json(response)
    assert {e["code"] for e in body} == {response.status_code}
    return [e["description"] for e in body]


# --- discovery and services ---------------------------------------------------------------------


def test_discovery_names_the_endpoint_the_specification_and_both_formats(
    client: Client, world: World
) -> None:
    body = as_json(get(client, "discovery.json"))
    xml = as_xml(get(client, "discovery.xml"))

    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert xml.tag == "discovery"
    assert [f.text for f in xml.iterfind("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_level_one_topics_grouped_by_their_parent(
    client: Client, world: World
) -> None:
    services = as_json(get(client, "services.json", jurisdiction_id=DEMO))
    xml = as_xml(get(client, "services.xml", jurisdiction_id=DEMO))

    pits = next(s for s in services if s["service_code"] == str(world.topic_pits.pk))
    assert pits == {
        "service_code": str(world.topic_pits.pk),
        "service_name": "Ямы во дворах (тест)",
        "description": "Дороги (тест) / Ямы во дворах (тест)",
        "metadata": False,
        "type": "realtime",
        "keywords": "Дороги (тест)",
        "group": "Дороги (тест)",
    }
    groups = set(Topic.objects.filter(parent=None).values_list("pk", flat=True))
    assert not {int(s["service_code"]) for s in services} & groups
    assert len(xml.findall("service")) == len(services)
    xml_pits = next(s for s in xml if s.findtext("service_code") == str(world.topic_pits.pk))
    assert xml_pits.findtext("metadata") == "false"
    assert xml_pits.findtext("group") == "Дороги (тест)"


def test_an_inactive_topic_is_not_a_service(client: Client, world: World) -> None:
    Topic.objects.filter(pk=world.topic_heating.pk).update(is_active=False)

    codes = {s["service_code"] for s in as_json(get(client, "services.json", jurisdiction_id=DEMO))}
    response = get(client, f"services/{world.topic_heating.pk}.json", jurisdiction_id=DEMO)

    assert str(world.topic_heating.pk) not in codes
    assert response.status_code == 404


def test_a_service_definition_has_no_extra_attributes(client: Client, world: World) -> None:
    code = str(world.topic_pits.pk)

    body = as_json(get(client, f"services/{code}.json", jurisdiction_id=DEMO))
    xml = as_xml(get(client, f"services/{code}.xml", jurisdiction_id=DEMO))

    assert body == {"service_code": code, "attributes": []}
    assert xml.tag == "service_definition"
    assert xml.findtext("service_code") == code


# --- a client's round trip ------------------------------------------------------------------------


def test_a_client_reports_a_problem_and_follows_its_status_to_closed(
    client: Client, world: World
) -> None:
    assert as_json(get(client, "discovery.json"))["endpoints"]
    service = as_json(get(client, "services.json", jurisdiction_id=DEMO))[0]
    fields = report(world, service_code=service["service_code"])

    created = post(client, **fields)
    [receipt] = as_json(created)
    request_id = receipt["service_request_id"]
    case = Case.objects.get(pk=int(request_id))
    [fresh] = as_json(get(client, f"requests/{request_id}.json", jurisdiction_id=DEMO))
    assign_case(case, world.housing, by=world.operator, now=timezone.now())
    [assigned] = as_json(get(client, f"requests/{request_id}.json", jurisdiction_id=DEMO))
    change_status(case, Status.IN_WORK, by=world.head, now=timezone.now())
    draft_answer(case, "Яма заделана 12 мая, фото приложено.", by=world.head, now=timezone.now())
    change_status(case, Status.ANSWER_APPROVED, by=world.head, now=timezone.now())
    change_status(case, Status.ANSWERED, by=None, now=timezone.now())
    [answered] = as_json(get(client, f"requests/{request_id}.json", jurisdiction_id=DEMO))
    closed = as_json(get(client, "requests.json", jurisdiction_id=DEMO, status="closed"))
    still_open = as_json(get(client, "requests.json", jurisdiction_id=DEMO, status="open"))

    assert created.status_code == 200
    assert receipt["token"] == case.external_id
    assert case.number in receipt["service_notice"]
    assert (fresh["status"], fresh["status_notes"]) == ("open", "Новое")
    assert fresh["service_code"] == service["service_code"]
    assert fresh["description"] == fields["description"]
    assert (fresh["lat"], fresh["long"], fresh["address"]) == (55.751, 37.618, "ул. Ленина, 5")
    assert fresh["agency_responsible"] == "Демо муниципальный округ"
    assert (assigned["status"], assigned["status_notes"]) == ("open", "Назначено")
    assert assigned["agency_responsible"] == "Комитет ЖКХ"
    assert (answered["status"], answered["status_notes"]) == ("closed", "Ответ направлен")
    assert [r["service_request_id"] for r in closed] == [request_id]
    assert still_open == []


def test_the_round_trip_in_xml_with_the_token(client: Client, world: World) -> None:
    created = as_xml(post(client, "xml", **report(world)))
    request_id = created.findtext("request/service_request_id")
    token = created.findtext("request/token")

    detail = as_xml(get(client, f"requests/{request_id}.xml", jurisdiction_id=DEMO))
    resolved = as_xml(get(client, f"tokens/{token}.xml", jurisdiction_id=DEMO))

    assert created.tag == "service_requests"
    assert detail.tag == "service_requests"
    assert detail.findtext("request/status") == "open"
    assert detail.findtext("request/service_code") == str(world.topic_pits.pk)
    assert detail.findtext("request/expected_datetime") == ""
    assert resolved.findtext("request/service_request_id") == request_id
    assert resolved.findtext("request/token") == token


def test_a_post_keeps_everything_the_client_sent(
    client: Client, world: World, frozen: datetime
) -> None:
    fields: dict[str, Any] = report(
        world,
        first_name="Пётр",
        last_name="Сидоров",
        email="sidorov@example.ru",
        phone="+7 912 000-11-22",
        device_id="device-42",
        account_id="acct-77",
        media_url="https://photos.example.ru/1.jpg",
        address_id="A-17",
    ) | {"attribute[depth]": "40 см", "attribute[kind][]": ["яма", "лужа"]}

    [receipt] = as_json(post(client, **fields))

    case = Case.objects.select_related("author", "channel").get(pk=receipt["service_request_id"])
    created_event = case.events.get()
    assert receipt["account_id"] == "acct-77"
    assert (case.channel.code, case.regime) == (Channel.Code.OPEN311, Regime.MESSAGE)
    assert (case.topic_id, case.status, case.received_at) == (
        world.topic_pits.pk,
        Status.NEW,
        frozen,
    )
    assert (case.lat, case.lon, case.address_raw) == (55.751, 37.618, "ул. Ленина, 5")
    assert case.author is not None
    assert (case.author.full_name, case.author.phone, case.author.email) == (
        "Сидоров Пётр",
        "+7 912 000-11-22",
        "sidorov@example.ru",
    )
    assert case.text == (
        "Глубокая яма во дворе, машины не проехать.\n\n--- Open311 ---\n"
        "media_url: https://photos.example.ru/1.jpg\naddress_id: A-17\n"
        "device_id: device-42\naccount_id: acct-77\n"
        "attribute[depth]: 40 см\nattribute[kind]: яма\nattribute[kind]: лужа"
    )
    assert created_event.actor == world.operator
    [public] = as_json(get(client, f"requests/{case.pk}.json", jurisdiction_id=DEMO))
    assert public["description"] == "Глубокая яма во дворе, машины не проехать."
    assert public["media_url"] == "https://photos.example.ru/1.jpg"
    assert public["address_id"] == "A-17"


def test_without_a_description_the_case_says_so(client: Client, world: World) -> None:
    [receipt] = as_json(post(client, **report(world, description="")))

    assert Case.objects.get(pk=receipt["service_request_id"]).text == "(описание не указано)"


def test_the_jurisdiction_of_a_post_defaults_to_the_keys_only_municipality(
    client: Client, world: World
) -> None:
    fields = report(world)
    del fields["jurisdiction_id"]

    [receipt] = as_json(post(client, **fields))

    assert Case.objects.get(pk=receipt["service_request_id"]).municipality == world.municipality


def test_the_same_post_again_within_the_minute_is_the_same_request(
    client: Client, world: World, frozen: datetime
) -> None:
    fields = report(world)

    [first] = as_json(post(client, **fields))
    [again] = as_json(post(client, **fields))
    [other] = as_json(post(client, **(fields | {"description": "Ещё одна яма."})))

    assert again == first
    assert other["service_request_id"] != first["service_request_id"]
    assert Case.objects.filter(channel__code="open311").count() == 2


# --- personal data and jurisdictions -----------------------------------------------------------


def test_the_public_output_never_shows_personal_data(client: Client, world: World) -> None:
    private = {
        "first_name": "Пётр",
        "last_name": "Сидоров",
        "email": "sidorov@example.ru",
        "phone": "+7 912 000-11-22",
        "device_id": "device-42",
        "account_id": "acct-77",
    }
    description = (
        "Яма у подъезда, звоните 89120001122 или пишите petr.s@mail.ru. Сидоров Пётр Ильич"
    )
    [receipt] = as_json(post(client, **report(world, description=description, **private)))
    request_id = receipt["service_request_id"]

    bodies = [
        get(client, f"requests.{fmt}", jurisdiction_id=DEMO).content.decode()
        for fmt in ("json", "xml")
    ] + [
        get(client, f"requests/{request_id}.{fmt}", jurisdiction_id=DEMO).content.decode()
        for fmt in ("json", "xml")
    ]
    [public] = as_json(get(client, f"requests/{request_id}.json", jurisdiction_id=DEMO))

    leaked = {
        v
        for v in [*private.values(), "89120001122", "petr.s@mail.ru", "Пётр Ильич"]
        for b in bodies
        if v in b
    }
    assert leaked == set()
    assert public["description"] == "Яма у подъезда, звоните [телефон] или пишите [e-mail]. [ФИО]"


def test_a_rejected_request_shows_no_text(client: Client, world: World) -> None:
    [receipt] = as_json(post(client, **report(world, description="Реклама: купите слона")))
    case = Case.objects.get(pk=receipt["service_request_id"])
    change_status(case, Status.REJECTED, by=world.operator, now=timezone.now())

    [public] = as_json(get(client, f"requests/{case.pk}.json", jurisdiction_id=DEMO))

    assert (public["status"], public["description"]) == ("closed", "")


def test_a_municipality_never_sees_another_municipalitys_requests(
    client: Client, world: World
) -> None:
    neighbour_fields = report(
        world, api_key=key_of(world.neighbour_operator), jurisdiction_id=NEIGHBOUR
    )
    [theirs] = as_json(post(client, **neighbour_fields))
    [ours] = as_json(post(client, **report(world)))
    other_channel = make_case(world.municipality, channel="pos", received_at=timezone.now())

    listed = as_json(get(client, "requests.json", jurisdiction_id=DEMO))
    by_ids = as_json(
        get(
            client,
            "requests.json",
            jurisdiction_id=DEMO,
            service_request_id=f"{theirs['service_request_id']},{other_channel.pk}",
        )
    )
    detail = get(client, f"requests/{theirs['service_request_id']}.json", jurisdiction_id=DEMO)
    token = get(client, f"tokens/{theirs['token']}.json", jurisdiction_id=DEMO)
    own_view = as_json(get(client, "requests.json", jurisdiction_id=NEIGHBOUR))

    assert [r["service_request_id"] for r in listed] == [ours["service_request_id"]]
    assert by_ids == []
    assert (detail.status_code, token.status_code) == (404, 404)
    assert [r["service_request_id"] for r in own_view] == [theirs["service_request_id"]]


# --- GET requests filters -----------------------------------------------------------------------


def test_requests_filter_by_dates_service_and_status_newest_first(
    client: Client, world: World
) -> None:
    now = timezone.now()
    old = make_case(world.municipality, channel="open311", received_at=now - timedelta(days=100))
    week = make_case(world.municipality, channel="open311", received_at=now - timedelta(days=7))
    today = make_case(
        world.municipality, channel="open311", received_at=now, department=world.housing
    )
    Case.objects.filter(pk=today.pk).update(topic=world.topic_heating)

    def ids(**params: str) -> list[int]:
        found = as_json(get(client, "requests.json", jurisdiction_id=DEMO, **params))
        return [int(r["service_request_id"]) for r in found]

    window_start = (now - timedelta(days=120)).isoformat()
    assert ids() == [today.pk, week.pk]
    assert ids(start_date=window_start, end_date=(now - timedelta(days=50)).isoformat()) == [old.pk]
    assert ids(start_date=(now - timedelta(days=120)).isoformat()) == [old.pk]
    assert ids(service_code=str(world.topic_heating.pk)) == [today.pk]
    assert ids(status="open") == [today.pk, week.pk]
    assert ids(status="open,closed") == [today.pk, week.pk]
    assert ids(service_request_id=f"{old.pk}, {today.pk}", status="closed") == [today.pk, old.pk]


def test_an_offset_whose_plus_arrived_as_a_space_is_understood(
    client: Client, world: World
) -> None:
    case = make_case(world.municipality, channel="open311", received_at=timezone.now())
    start = timezone.localtime(timezone.now() - timedelta(days=1)).isoformat(timespec="seconds")
    unescaped = f"{BASE}/requests.json?jurisdiction_id={DEMO}&start_date={start}"

    found = as_json(client.get(unescaped))  # type: ignore[arg-type]

    assert "+" in start
    assert [r["service_request_id"] for r in found] == [str(case.pk)]


def test_requests_are_limited(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 2)
    now = timezone.now()
    cases = [
        make_case(world.municipality, channel="open311", received_at=now - timedelta(hours=h))
        for h in range(3)
    ]

    found = as_json(get(client, "requests.json", jurisdiction_id=DEMO))

    assert [int(r["service_request_id"]) for r in found] == [cases[0].pk, cases[1].pk]


def test_a_list_takes_the_same_queries_however_long(
    client: Client, world: World, django_assert_num_queries: Any
) -> None:
    now = timezone.now()
    for hours in range(5):
        case = make_case(
            world.municipality,
            channel="open311",
            received_at=now - timedelta(hours=hours),
            department=world.housing,
        )
        Case.objects.filter(pk=case.pk).update(topic=world.topic_pits)

    with django_assert_num_queries(2):  # the jurisdiction, the cases with what they show
        found = as_json(get(client, "requests.json", jurisdiction_id=DEMO))

    assert len(found) == 5
    assert {r["service_name"] for r in found} == {"Ямы во дворах (тест)"}


def test_huge_numbers_in_filters_find_nothing(client: Client, world: World) -> None:
    huge = "999999999999999999"

    by_id = get(client, "requests.json", jurisdiction_id=DEMO, service_request_id=huge)
    by_code = get(client, "requests.json", jurisdiction_id=DEMO, service_code=huge)

    assert (as_json(by_id), as_json(by_code)) == ([], [])


def test_datetimes_are_w3c_in_the_municipalitys_time_zone(client: Client, world: World) -> None:
    received = timezone.now().replace(microsecond=0)
    case = make_case(world.neighbour, channel="open311", received_at=received)

    [public] = as_json(get(client, f"requests/{case.pk}.json", jurisdiction_id=NEIGHBOUR))

    assert public["requested_datetime"].endswith("+06:00")  # Asia/Omsk
    assert datetime.fromisoformat(public["requested_datetime"]) == received


# --- the spec's errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"service_code": ""}, "Не указан service_code."),
        (
            {"lat": "", "long": "", "address_string": ""},
            "Не указано место: lat и long, address_string или address_id.",
        ),
        ({"long": ""}, "Координаты указываются парой: lat и long."),
        ({"lat": "91"}, "lat: число от -90 до 90 (WGS-84)."),
        ({"long": "nan"}, "long: число от -180 до 180 (WGS-84)."),
        ({"lat": "север"}, "lat: число от -90 до 90 (WGS-84)."),
        ({"email": "not-an-address"}, "email: неверный адрес."),
        ({"media_url": "javascript:alert(1)"}, "media_url: нужна ссылка http:// или https://."),
        ({"description": "я" * 50_001}, "description: не длиннее 50000 символов."),
        ({"address_string": "д" * 501}, "address_string: не длиннее 500 символов."),
        ({f"attribute[a{i}]": "x" for i in range(51)}, "Не больше 50 значений attribute[…]."),
    ],
)
def test_a_post_with_a_bad_field_is_a_400_and_creates_nothing(
    client: Client, world: World, change: dict[str, str], problem: str
) -> None:
    response = post(client, **report(world, **change))

    assert response.status_code == 400
    assert problem in errors(response)
    assert not Case.objects.exists()


def test_a_post_reports_every_problem_at_once_in_xml(client: Client, world: World) -> None:
    fields = {"api_key": key_of(world.operator), "jurisdiction_id": DEMO}

    response = post(client, "xml", **fields)
    xml = as_xml(response)

    assert response.status_code == 400
    assert xml.tag == "errors"
    assert [e.findtext("code") for e in xml.findall("error")] == ["400", "400"]
    assert [e.findtext("description") for e in xml.findall("error")] == [
        "Не указан service_code.",
        "Не указано место: lat и long, address_string или address_id.",
    ]


def test_a_post_that_is_not_a_form_is_a_400(client: Client, world: World) -> None:
    fields = report(world)
    query = urlencode({"api_key": fields["api_key"], "jurisdiction_id": DEMO})

    response = client.post(
        f"{BASE}/requests.json?{query}", json.dumps(fields), content_type="application/json"
    )

    assert response.status_code == 400
    assert "Не указан service_code." in errors(response)  # type: ignore[arg-type]
    assert not Case.objects.exists()


def test_a_post_without_a_key_or_with_a_wrong_one_is_a_403(client: Client, world: World) -> None:
    fields = report(world)
    del fields["api_key"]

    missing = post(client, **fields)
    wrong = post(client, **fields, api_key="vch_not-a-real-token")

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert errors(wrong) == ["Не указан или неверен api_key."]
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["observer", "housing_executor", "neighbour_operator"])
def test_a_key_without_the_intake_right_in_the_jurisdiction_is_a_403(
    client: Client, world: World, persona: str
) -> None:
    response = post(client, **report(world, api_key=key_of(getattr(world, persona))))

    assert response.status_code == 403
    assert not Case.objects.exists()


def test_an_api_key_in_the_query_string_is_accepted(client: Client, world: World) -> None:
    fields = report(world)
    key = fields.pop("api_key")

    response = client.post(
        f"{BASE}/requests.json?api_key={key}",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200


def test_unknown_jurisdiction_service_request_and_token_are_404(
    client: Client, world: World
) -> None:
    responses = {
        "jurisdiction": get(client, "services.json", jurisdiction_id="99999999"),
        "post jurisdiction": post(client, **report(world, jurisdiction_id="99999999")),
        "service": post(client, **report(world, service_code="999999")),
        "service text": get(client, "services/ямы.json", jurisdiction_id=DEMO),
        "request": get(client, "requests/999999.json", jurisdiction_id=DEMO),
        "request text": get(client, "requests/abc.json", jurisdiction_id=DEMO),
        "superscript": get(client, "requests/²³.json", jurisdiction_id=DEMO),
        "huge": get(client, "requests/999999999999999999.json", jurisdiction_id=DEMO),
        "token": get(client, "tokens/abc.json", jurisdiction_id=DEMO),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert errors(responses["service"]) == ["service_code «999999» не найден."]


def test_without_a_jurisdiction_a_multi_municipality_deployment_answers_400(
    client: Client, world: World
) -> None:
    for path in ("services.json", "requests.json", f"services/{world.topic_pits.pk}.json"):
        response = get(client, path)
        assert response.status_code == 400
        assert errors(response) == ["Не указан jurisdiction_id (код ОКТМО муниципалитета)."]


def test_a_single_municipality_deployment_needs_no_jurisdiction(
    client: Client, world: World
) -> None:
    world.neighbour.delete()

    response = get(client, "services.json")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"start_date": "вчера"}, "start_date: дата и время в формате W3C"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date: дата и время в формате W3C"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "Период start_date — end_date не может быть больше 90 дней.",
        ),
        ({"status": "pending"}, "status: open или closed (через запятую)."),
        ({"service_request_id": "1,abc"}, "service_request_id: числа через запятую."),
        ({"service_code": "ямы"}, "service_code: числа через запятую."),
    ],
)
def test_bad_get_filters_are_a_400(
    client: Client, world: World, params: dict[str, str], problem: str
) -> None:
    response = get(client, "requests.json", jurisdiction_id=DEMO, **params)

    assert response.status_code == 400
    assert any(e.startswith(problem) for e in errors(response))


def test_an_unknown_format_is_a_404_in_xml(client: Client, world: World) -> None:
    response = get(client, "services.csv", jurisdiction_id=DEMO)

    assert response.status_code == 404
    assert as_xml(response).findtext("error/code") == "404"


def test_a_wrong_method_is_a_405_with_allow(client: Client, world: World) -> None:
    response = client.delete(f"{BASE}/requests.json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert errors(response) == ["Метод DELETE не поддерживается."]  # type: ignore[arg-type]


def test_posts_beyond_the_limit_per_key_are_a_429(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "POSTS_PER_MINUTE", 2)
    key = key_of(world.operator)

    codes = [
        post(client, **report(world, api_key=key, description=f"Яма №{i}")).status_code
        for i in range(3)
    ]

    assert codes == [200, 200, 429]
    assert Case.objects.count() == 2


def test_a_disabled_open311_channel_refuses_posts(client: Client, world: World) -> None:
    Channel.objects.filter(code=Channel.Code.OPEN311).update(is_active=False)

    response = post(client, **report(world))

    assert response.status_code == 403
    assert not Case.objects.exists()


def test_posts_need_no_csrf_token(world: World) -> None:
    strict = Client(enforce_csrf_checks=True)

    response = post(strict, **report(world))

    assert response.status_code == 200


def test_control_characters_in_a_description_never_break_the_xml(
    client: Client, world: World
) -> None:
    [receipt] = as_json(post(client, **report(world, description="Яма\x01\x0b у дома")))

    xml = as_xml(get(client, f"requests/{receipt['service_request_id']}.xml", jurisdiction_id=DEMO))

    assert xml.findtext("request/description") == "Яма у дома"


def test_a_description_cannot_forge_the_technical_lines(client: Client, world: World) -> None:
    forged = "Яма\n\n--- Open311 ---\nmedia_url: javascript:alert(1)"
    [receipt] = as_json(post(client, **report(world, description=forged)))

    [public] = as_json(
        get(client, f"requests/{receipt['service_request_id']}.json", jurisdiction_id=DEMO)
    )

    assert public["media_url"] == ""
    assert public["description"] == "Яма\n\n- Open311 -\nmedia_url: javascript:alert(1)"


def test_a_form_with_too_many_fields_is_a_400_not_a_500(client: Client, world: World) -> None:
    fields = report(world) | {f"attribute[a{i}]": "x" for i in range(1001)}

    response = post(client, **fields)

    assert response.status_code == 400
    assert errors(response) == ["Слишком большой запрос."]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "dates", [{"start_date": "9999-12-31T00:00:00Z"}, {"end_date": "0001-01-01"}]
)
def test_dates_at_the_ends_of_time_are_a_400(
    client: Client, world: World, dates: dict[str, str]
) -> None:
    params = {"jurisdiction_id": world.municipality.oktmo, **dates}
    response = client.get("/open311/v2/requests.json", params)

    assert response.status_code == 400
    assert "год вне" in errors(response)[0]  # type: ignore[arg-type]
