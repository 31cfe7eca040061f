"""`/api/v1/`: every endpoint for every persona, idempotent intake, and bad input as 4xx."""

import json
from typing import Any

import pytest
from django.test import Client

from tests.personas import World, make_case
from veche.cases.models import Case, Event, PersonalDataAccess
from veche.cases.workflow import Status
from veche.org.services import issue_api_token


def _client(user: Any | None) -> Client:
    if user is None:
        return Client()
    _, token = issue_api_token(f"test-{user.username}", user=user)
    return Client(headers={"authorization": f"Bearer {token}"})


def _call(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(path)
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


# (name, method, path, body, expected status for a permitted persona)
ENDPOINTS = [
    ("detail", "get", "/api/v1/cases/{id}", None, 200),
    ("events", "get", "/api/v1/cases/{id}/events", None, 200),
    ("transition", "post", "/api/v1/cases/{id}/transition", {"status": "in_work"}, 200),
    ("assign", "post", "/api/v1/cases/{id}/assign", {"department_id": "{roads}"}, 200),
    ("comment", "post", "/api/v1/cases/{id}/comments", {"text": "Проверить на месте"}, 201),
    ("author", "get", "/api/v1/cases/{id}/author", None, 200),
]
# What each persona gets on a case of the housing department of «Демо».
EXPECTED = {
    "operator": {
        "detail": 200,
        "events": 200,
        "transition": 200,
        "assign": 200,
        "comment": 201,
        "author": 200,
    },
    "housing_executor": {
        "detail": 200,
        "events": 200,
        "transition": 200,
        "assign": 403,
        "comment": 201,
        "author": 200,
    },
    "block_head": {
        "detail": 200,
        "events": 200,
        "transition": 200,
        "assign": 200,
        "comment": 201,
        "author": 200,
    },
    "observer": {
        "detail": 200,
        "events": 200,
        "transition": 403,
        "assign": 403,
        "comment": 403,
        "author": 403,
    },
    "regional": {
        "detail": 200,
        "events": 200,
        "transition": 403,
        "assign": 403,
        "comment": 403,
        "author": 403,
    },
    "roads_executor": dict.fromkeys([e[0] for e in ENDPOINTS], 404),
    "neighbour_operator": dict.fromkeys([e[0] for e in ENDPOINTS], 404),
    "nobody": dict.fromkeys([e[0] for e in ENDPOINTS], 404),
    "anonymous": dict.fromkeys([e[0] for e in ENDPOINTS], 401),
}


def _fill(value: Any, world: World, case: Case) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, world, case) for k, v in value.items()}
    if value == "{roads}":
        return world.roads.pk
    if isinstance(value, str):
        return value.replace("{id}", str(case.pk))
    return value


def _snapshot(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (
        case.status,
        case.department_id,
        case.events.count(),
        PersonalDataAccess.objects.count(),
    )


@pytest.mark.parametrize("persona", list(EXPECTED))
@pytest.mark.parametrize(("name", "method", "path", "body", "ok"), ENDPOINTS)
def test_case_endpoints_are_scoped(
    world: World, persona: str, name: str, method: str, path: str, body: Any, ok: int
) -> None:
    case = make_case(world.municipality, department=world.housing)
    user = None if persona == "anonymous" else getattr(world, persona)
    before = _snapshot(case)

    client = _client(user)
    response = _call(client, method, _fill(path, world, case), _fill(body, world, case))

    expected = EXPECTED[persona][name]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert _snapshot(case) == before
        assert response.json()["message"]
    if expected == 404:  # the same answer as for an id that does not exist: nothing learnt
        absent = _call(
            client,
            method,
            _fill(path, world, case).replace(f"/{case.pk}", "/99999999"),
            _fill(body, world, case),
        )
        assert (absent.status_code, absent.json()) == (404, response.json())


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_case_list_shows_only_visible_cases(world: World, persona: str) -> None:
    housing = make_case(world.municipality, department=world.housing)
    roads = make_case(world.municipality, department=world.roads)
    education = make_case(world.municipality, department=world.education)
    neighbour = make_case(world.neighbour, department=world.neighbour_housing)
    visible = {
        "operator": {housing, roads, education},
        "housing_executor": {housing},
        "block_head": {housing, roads},
        "observer": {housing, roads, education},
        "regional": {housing, roads, education, neighbour},
        "roads_executor": {roads},
        "neighbour_operator": {neighbour},
        "nobody": set(),
    }
    user = None if persona == "anonymous" else getattr(world, persona)

    response = _client(user).get("/api/v1/cases")

    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    body = response.json()
    assert {item["id"] for item in body["items"]} == {c.pk for c in visible[persona]}
    assert body["count"] == len(visible[persona])


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_event_feed_shows_only_visible_cases(world: World, persona: str) -> None:
    housing = make_case(world.municipality, department=world.housing)
    make_case(world.neighbour, department=world.neighbour_housing)
    user = None if persona == "anonymous" else getattr(world, persona)

    response = _client(user).get("/api/v1/events?after_id=0")

    if persona == "anonymous":
        assert response.status_code == 401
        return
    seen = {e["case_id"] for e in response.json()}
    reaches_housing = EXPECTED[persona]["detail"] == 200
    assert (housing.pk in seen) == reaches_housing
    assert seen <= set(Case.objects.filter(pk__in=seen).values_list("pk", flat=True))


def test_create_is_idempotent_by_external_id(world: World) -> None:
    client = _client(world.operator)
    payload = {
        "channel": "pos",
        "regime": "message",
        "text": "Не убран снег на тротуаре у школы №2",
        "external_id": "POS-77",
        "received_at": "2026-11-20T08:15:00+03:00",
        "author": {"full_name": "Петрова Анна Сергеевна", "phone": "+79123456745"},
    }

    first = client.post("/api/v1/cases", data=payload, content_type="application/json")
    second = client.post("/api/v1/cases", data=payload, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["author"] == {
        "full_name": "Петрова А. С.",
        "phone": "+7 9** ***-**-45",
        "email": "",
    }
    assert first.json()["received_at"] == "2026-11-20T05:15:00Z"
    assert Case.objects.filter(external_id="POS-77").count() == 1


def test_department_staff_cannot_register_cases(world: World) -> None:
    response = _client(world.housing_executor).post(
        "/api/v1/cases",
        data={"channel": "api", "regime": "message", "text": "текст"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_regional_user_must_name_the_municipality(world: World) -> None:
    world.regional.memberships.update(role="curator")
    client = _client(world.regional)
    body = {"channel": "api", "regime": "message", "text": "текст"}

    unnamed = client.post("/api/v1/cases", data=body, content_type="application/json")
    named = client.post(
        "/api/v1/cases",
        data={**body, "municipality_id": world.neighbour.pk},
        content_type="application/json",
    )

    assert unnamed.status_code == 400
    assert "municipality_id" in unnamed.json()["message"]
    assert named.status_code == 201
    assert named.json()["number"] == "СОС-2026-000001" or named.json()["number"].startswith("СОС-")


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/cases", "{not json", 400),
        ("post", "/api/v1/cases", {"channel": "fax", "regime": "message", "text": "x"}, 422),
        ("post", "/api/v1/cases", {"channel": "pos", "regime": "appeal", "text": ""}, 422),
        ("post", "/api/v1/cases", {"channel": "pos", "regime": "appeal"}, 422),
        (
            "post",
            "/api/v1/cases",
            {"channel": "pos", "regime": "appeal", "text": "x", "received_at": "2026-01-01T10:00"},
            422,
        ),
        (
            "post",
            "/api/v1/cases",
            {"channel": "pos", "regime": "appeal", "text": "x", "topic_id": 999999},
            400,
        ),
        (
            "post",
            "/api/v1/cases",
            {"channel": "pos", "regime": "appeal", "text": "x", "priority": 9},
            422,
        ),
        ("get", "/api/v1/cases?status=lost", None, 422),
        ("get", "/api/v1/cases?limit=100000", None, 422),
        ("get", "/api/v1/cases?sort=password", None, 422),
        ("get", "/api/v1/cases?received_from=yesterday", None, 422),
        ("get", "/api/v1/cases/abc", None, 422),
        ("get", "/api/v1/cases/99999999", None, 404),
        ("post", "/api/v1/cases/{id}/transition", {"status": "closed"}, 409),
        ("post", "/api/v1/cases/{id}/transition", {"status": "flying"}, 422),
        ("post", "/api/v1/cases/{id}/assign", {"department_id": "{neighbour}"}, 400),
        ("post", "/api/v1/cases/{id}/comments", {"text": ""}, 422),
        ("get", "/api/v1/events?after_id=-1", None, 422),
    ],
)
def test_bad_input_gets_a_readable_4xx(
    world: World, method: str, path: str, body: Any, status: int
) -> None:
    case = make_case(world.municipality, department=world.housing)
    client = _client(world.operator)
    path = path.replace("{id}", str(case.pk))
    if isinstance(body, dict) and body.get("department_id") == "{neighbour}":
        body = {"department_id": world.neighbour_housing.pk}
    before = _snapshot(case)

    if isinstance(body, str):
        response = client.post(path, data=body, content_type="application/json")
    else:
        response = _call(client, method, path, body)

    assert response.status_code == status, response.content
    assert response.json()["message"]
    assert _snapshot(case) == before
    assert Case.objects.count() == 1


def test_session_writes_need_csrf(world: World) -> None:
    case = make_case(world.municipality, department=world.housing)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)

    read = client.get(f"/api/v1/cases/{case.pk}")
    write = client.post(
        f"/api/v1/cases/{case.pk}/comments", data={"text": "x"}, content_type="application/json"
    )

    assert read.status_code == 200
    assert write.status_code == 403
    assert not case.events.filter(kind=Event.Kind.COMMENT).exists()


def test_revoked_and_wrong_tokens_are_refused(world: World) -> None:
    client, token = issue_api_token("сайт", user=world.operator)
    client.is_active = False
    client.save()

    revoked = Client(headers={"authorization": f"Bearer {token}"}).get("/api/v1/cases")
    wrong = Client(headers={"authorization": "Bearer vch_nonsense"}).get("/api/v1/cases")

    assert (revoked.status_code, wrong.status_code) == (401, 401)


def test_transition_and_timeline_through_the_api(world: World) -> None:
    case = make_case(world.municipality, department=world.housing)
    client = _client(world.housing_executor)

    moved = client.post(
        f"/api/v1/cases/{case.pk}/transition",
        data={"status": "in_work", "comment": "выезд бригады"},
        content_type="application/json",
    )
    timeline = client.get(f"/api/v1/cases/{case.pk}/events").json()

    assert moved.json()["status"] == Status.IN_WORK
    assert [(e["kind"], e["after"]) for e in timeline][-1] == (
        "status_changed",
        {"status": "in_work"},
    )
    assert timeline[-1]["comment"] == "выезд бригады"


def test_reference_endpoints(world: World) -> None:
    client = _client(world.housing_executor)

    departments = client.get("/api/v1/departments").json()
    topics = client.get("/api/v1/topics").json()

    assert {d["name"] for d in departments} == {
        "Комитет ЖКХ",
        "Комитет по дорогам",
        "Управление образования",
    }
    assert {"Ямы во дворах (тест)", "Отопление (тест)"} <= {t["name"] for t in topics}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 200),
        ("housing_executor", 200),
        ("observer", 403),
        ("roads_executor", 404),
        ("neighbour_operator", 404),
    ],
)
def test_merge_and_duplicate_through_the_api_are_scoped(
    world: World, persona: str, status: int
) -> None:
    first = make_case(world.municipality, department=world.housing)
    second = make_case(world.municipality, department=world.housing)
    third = make_case(world.municipality, department=world.housing)
    client = _client(getattr(world, persona))

    merged = _call(client, "post", f"/api/v1/cases/{second.pk}/merge", {"case_id": first.pk})
    linked = _call(client, "post", f"/api/v1/cases/{third.pk}/duplicate", {"case_id": first.pk})

    assert (merged.status_code, linked.status_code) == (status, status)
    second.refresh_from_db()
    third.refresh_from_db()
    if status == 200:
        assert (merged.json()["status"], merged.json()["parent_id"]) == ("merged", first.pk)
        assert linked.json()["duplicate_of_id"] == first.pk
    else:
        assert (second.status, second.parent_id, third.duplicate_of_id) == (
            Status.ASSIGNED,
            None,
            None,
        )


def test_nul_characters_are_dropped_not_a_500(world: World) -> None:
    """PostgreSQL cannot store NUL in text: a case from any caller is registered without it."""
    body = {
        "channel": "api",
        "regime": "message",
        "text": "Яма\x00 во дворе",
        "external_id": "n\x00ul-1",
        "author": {"full_name": "Иван\x00ов", "phone": "", "email": ""},
    }
    response = _call(_client(world.operator), "post", "/api/v1/cases", body)

    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.text, case.external_id) == ("Яма во дворе", "nul-1")
    assert case.author is not None and case.author.full_name == "Иванов"
