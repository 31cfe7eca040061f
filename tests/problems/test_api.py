"""`/api/v1/problems`: the list and one problem with their figures, an officer's edit, merge,
split and move — for every persona, and malformed requests answered 4xx with a message."""

import json
from typing import Any

import pytest
from django.test import Client

from tests.personas import NOW, World, make_case
from tests.problems.test_merge_split import (
    IVANOV,
    PETROVA,
    SIDOROV,
    case_by,
    problem_of,
    snapshot,
)
from veche.cases.models import Case, Event
from veche.org.models import User
from veche.org.services import issue_api_token
from veche.problems.models import Problem, Roadmap
from veche.problems.services import create_problem


def _client(user: User | None) -> Client:
    if user is None:
        return Client()
    _, token = issue_api_token(f"test-{user.username}", user=user)
    return Client(headers={"authorization": f"Bearer {token}"})


def _send(client: Client, method: str, path: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(path)
    raw = body if isinstance(body, str) else json.dumps(body or {})
    call = client.patch if method == "patch" else client.post
    return call(path, data=raw, content_type="application/json")


@pytest.fixture
def setup(world: World) -> tuple[Problem, Problem, list[Case]]:
    a, b, c, d = (
        case_by(world, who, n) for n, who in enumerate([IVANOV, PETROVA, SIDOROV, IVANOV])
    )
    return (
        problem_of(world, "Ямы во дворе", [a, b, c]),
        problem_of(world, "Лужа", [d]),
        [a, b, c, d],
    )


def test_the_list_and_a_problem_with_their_figures(
    world: World, setup: tuple[Problem, Problem, list[Case]]
) -> None:
    first, _, (a, b, c, _) = setup
    client = _client(world.operator)

    listing = client.get("/api/v1/problems?sort=cases").json()
    found = client.get("/api/v1/problems?q=ямы").json()
    one = client.get(f"/api/v1/problems/{first.pk}").json()

    assert listing["count"] == 2
    assert [p["title"] for p in listing["items"]] == ["Ямы во дворе", "Лужа"]
    assert [p["id"] for p in found["items"]] == [first.pk]
    assert one["figures"] == {
        "cases": 3,
        "citizens": 3,
        "first_at": c.received_at.isoformat().replace("+00:00", "Z"),
        "last_at": a.received_at.isoformat().replace("+00:00", "Z"),
        "open": 3,
        "overdue": 0,
        "rated": 0,
        "satisfied": 0,
        "satisfaction": None,
    }
    assert [x["id"] for x in one["cases"]] == [c.pk, b.pk, a.pk]
    assert {x["reason"] for x in one["cases"]} == {"officer"}
    assert one["named_at"] is not None and one["status"] == "open"


def test_an_officer_edits_merges_splits_and_moves_through_the_api(
    world: World, setup: tuple[Problem, Problem, list[Case]]
) -> None:
    first, second, (a, b, c, d) = setup
    roadmap = Roadmap.objects.create(
        municipality=world.municipality,
        title="Ливнёвка",
        problem=second,
        started_on=NOW.date(),
        created_at=NOW,
    )
    client = _client(world.head)

    edited = _send(
        client,
        "patch",
        f"/api/v1/problems/{first.pk}",
        {"status": "in_work", "cause": "Нет ливнёвки", "department_id": world.roads.pk},
    )
    merged = _send(
        client, "post", f"/api/v1/problems/{first.pk}/merge", {"problem_ids": [second.pk]}
    )
    split = _send(
        client,
        "post",
        f"/api/v1/problems/{first.pk}/split",
        {"case_ids": [c.pk, d.pk], "title": "Провал асфальта"},
    )
    new_id = split.json()["id"]
    moved = _send(
        client, "post", f"/api/v1/problems/{new_id}/cases/{d.pk}/move", {"problem_id": first.pk}
    )
    out = _send(
        client, "post", f"/api/v1/problems/{first.pk}/cases/{a.pk}/move", {"problem_id": None}
    )

    assert edited.status_code == 200
    assert (edited.json()["status"], edited.json()["cause"]) == ("in_work", "Нет ливнёвки")
    assert (edited.json()["department_id"], edited.json()["block_id"]) == (
        world.roads.pk,
        world.city_block.pk,
    )
    assert edited.json()["title"] == "Ямы во дворе"  # not given, not changed
    assert merged.status_code == 200 and merged.json()["figures"]["cases"] == 4
    assert not Problem.objects.filter(pk=second.pk).exists()
    assert Roadmap.objects.get(pk=roadmap.pk).problem_id == first.pk
    assert split.status_code == 201
    assert {x["id"] for x in split.json()["cases"]} == {c.pk, d.pk}
    assert moved.json() == {"case_id": d.pk, "problem_id": first.pk}
    assert out.json() == {"case_id": a.pk, "problem_id": None}
    first.refresh_from_db()
    assert set(first.links.values_list("case_id", flat=True)) == {b.pk, d.pk}
    assert Event.objects.filter(case=d, kind=Event.Kind.PROBLEM, actor=world.head).count() == 3


def test_null_clears_a_reference_and_an_unset_field_stays(
    world: World, setup: tuple[Problem, Problem, list[Case]]
) -> None:
    first, _, _ = setup
    Problem.objects.filter(pk=first.pk).update(topic=world.topic_pits, place="двор")
    client = _client(world.operator)

    reply = _send(client, "patch", f"/api/v1/problems/{first.pk}", {"topic_id": None})

    assert reply.status_code == 200
    assert (reply.json()["topic_id"], reply.json()["place"]) == (None, "двор")


# (name, method, path, body) — the body's ids are filled in by the test.
OPERATIONS = [
    ("list", "get", "/api/v1/problems", None),
    ("detail", "get", "/api/v1/problems/{first}", None),
    ("update", "patch", "/api/v1/problems/{first}", {"title": "Новое название"}),
    ("merge", "post", "/api/v1/problems/{first}/merge", {"problem_ids": ["{second}"]}),
    ("split", "post", "/api/v1/problems/{first}/split", {"case_ids": ["{a}"], "title": "Ещё"}),
    ("move", "post", "/api/v1/problems/{first}/cases/{b}/move", {"problem_id": "{second}"}),
]
WRITES = ["update", "merge", "split", "move"]
EXPECTED: dict[str | None, dict[str, int]] = {
    "operator": {"list": 200, "detail": 200, "update": 200, "merge": 200, "split": 201,
                 "move": 200},
    "observer": {"list": 200, "detail": 200, **dict.fromkeys(WRITES, 403)},
    "regional": {"list": 200, "detail": 200, **dict.fromkeys(WRITES, 403)},
    # A department's executor works on its cases but sees no problems: nothing to find.
    "housing_executor": {"list": 200, **dict.fromkeys(["detail", *WRITES], 404)},
    "block_head": {"list": 200, **dict.fromkeys(["detail", *WRITES], 404)},
    "neighbour_operator": {"list": 200, **dict.fromkeys(["detail", *WRITES], 404)},
    None: dict.fromkeys(["list", "detail", *WRITES], 401),
}  # fmt: skip


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_operation_for_every_persona(
    world: World, setup: tuple[Problem, Problem, list[Case]], persona: str | None
) -> None:
    first, second, (a, b, *_) = setup
    ids = {"first": first.pk, "second": second.pk, "a": a.pk, "b": b.pk}
    client = _client(getattr(world, persona) if persona else None)

    for name, method, path, body in OPERATIONS:
        before = snapshot()
        reply = _send(client, method, path.format(**ids), _fill(body, ids))
        expected = EXPECTED[persona][name]
        assert reply.status_code == expected, (persona, name, reply.content)
        if expected >= 400:
            assert reply.json()["message"], (persona, name)
            assert snapshot() == before, (persona, name)
        if (
            name == "list"
            and expected == 200
            and persona not in ("operator", "observer", "regional")
        ):
            assert reply.json() == {"count": 0, "items": []}
        if name == "merge" and expected == 200:  # the rest goes on with what is left
            second = create_problem(
                world.municipality,
                title="Снова лужа",
                cases=[case_by(world, SIDOROV, 9)],
                by=world.operator,
                now=NOW,
            )
            ids["second"] = second.pk


def test_malformed_requests_get_a_4xx_with_a_message_and_change_nothing(
    world: World, setup: tuple[Problem, Problem, list[Case]]
) -> None:
    first, second, (a, b, c, d) = setup
    foreign = create_problem(
        world.neighbour,
        title="Чужая",
        cases=[make_case(world.neighbour)],
        by=world.neighbour_operator,
        now=NOW,
    )
    client = _client(world.operator)
    p = f"/api/v1/problems/{first.pk}"
    attempts: list[tuple[str, str, Any, int]] = [
        ("get", "/api/v1/problems?sort=evil", None, 422),
        ("get", "/api/v1/problems?limit=0", None, 422),
        ("get", "/api/v1/problems?status=lost", None, 422),
        ("get", "/api/v1/problems?q=" + "я" * 201, None, 422),
        ("get", "/api/v1/problems/999999", None, 404),
        ("get", f"/api/v1/problems/{foreign.pk}", None, 404),
        ("patch", p, "{not json", 400),
        ("patch", p, {"title": ""}, 422),
        ("patch", p, {"title": "   "}, 400),
        ("patch", p, {"status": "lost"}, 422),
        ("patch", p, {"department_id": world.neighbour_housing.pk}, 400),
        ("patch", p, {"topic_id": 999999}, 400),
        ("patch", p, {"cause": "я" * 10_001}, 422),
        ("post", f"{p}/merge", {}, 422),
        ("post", f"{p}/merge", {"problem_ids": []}, 422),
        ("post", f"{p}/merge", {"problem_ids": ["abc"]}, 422),
        ("post", f"{p}/merge", {"problem_ids": [first.pk]}, 400),
        ("post", f"{p}/merge", {"problem_ids": [foreign.pk]}, 404),
        ("post", f"{p}/merge", {"problem_ids": [999999]}, 404),
        ("post", f"{p}/split", {"case_ids": [a.pk]}, 422),
        ("post", f"{p}/split", {"case_ids": [d.pk], "title": "Новая"}, 400),
        ("post", f"{p}/split", {"case_ids": [a.pk, b.pk, c.pk], "title": "Новая"}, 400),
        ("post", f"{p}/split", {"case_ids": [a.pk], "title": " "}, 400),
        ("post", f"{p}/cases/{d.pk}/move", {"problem_id": second.pk}, 404),
        ("post", f"{p}/cases/{a.pk}/move", {"problem_id": foreign.pk}, 404),
        ("post", f"{p}/cases/{a.pk}/move", {}, 422),
        ("post", f"{p}/cases/{a.pk}/move", {"problem_id": "x"}, 422),
    ]
    before = snapshot()

    for method, path, body, status in attempts:
        reply = _send(client, method, path, body)
        assert reply.status_code == status, (method, path, body, reply.content)
        assert reply.json()["message"], (method, path, body)

    assert snapshot() == before
