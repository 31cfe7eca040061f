"""Schemathesis over the JSON API (`/api/openapi.json`): every operation, requests generated
from the schema, sent through the WSGI app as an API client with a Bearer token.

Checked: no 5xx on any request, and a documented status answers with the documented body and
content type. Status-code conformance is not checked: most operations do not list their
4xx answers (401/403/404/409/422 with `{"code", "message"}`) in the schema yet.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import settings
from ninja import Schema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.personas import World, make_case
from veche.api import api
from veche.cases.models import Case
from veche.org.services import issue_api_token

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Requests go through the bare WSGI app, whose `request_finished` would close the
    database connection, and with it the test's transaction (PostgreSQL). Django's test
    client unhooks the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(world: World) -> str:
    """A token of the МЦУ head, with a few cases to list, read and act on."""
    for number in range(3):
        make_case(world.municipality, external_id=f"fuzz-{number}", department=world.housing)
    _, token = issue_api_token("schemathesis", user=world.head)
    return token


def _load() -> Any:
    """The schema Ninja serves at /api/openapi.json, bound to the WSGI app. Built in process
    rather than fetched (`from_wsgi`): collection runs before the database is open, and the
    lazy `from_fixture` loader of schemathesis 4.32 breaks on pytest 9 (`Function._nodeid`)."""
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = get_wsgi_application()
    return loaded


schema = _load()


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(max_examples=20)
def test_no_server_error_on_any_request(case: Any, api_token: str, db: None) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS)


def _subclasses(cls: type[Schema]) -> Iterator[type[Schema]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_schemas_share_a_component_name() -> None:
    """Ninja files every model and enum under its class name in one `components` table: two
    classes of one name (an analytics and an org «DepartmentOut», the case and the problem
    «Status») leave one of them described by the other's schema."""
    found: dict[str, set[str]] = defaultdict(set)
    for model in _subclasses(Schema):
        if (
            not model.__module__.startswith("veche.")
            or model.__pydantic_generic_metadata__["origin"]
        ):
            continue
        document = model.model_json_schema(ref_template="#/components/schemas/{model}")
        own = {k: v for k, v in document.items() if k != "$defs"}
        found[model.__name__].add(json.dumps(own, sort_keys=True))
        for name, part in document.get("$defs", {}).items():
            found[name].add(json.dumps(part, sort_keys=True))
    shared = {name: versions for name, versions in found.items() if len(versions) > 1}
    assert not shared, sorted(shared)


@pytest.mark.parametrize(
    ("received_at", "status", "stored"),
    [
        # Found by schemathesis on PostgreSQL: an offset past ±15:59 was a 500.
        ("2026-01-20T03:24:19+17:22", 201, "2026-01-19T10:02:19+00:00"),
        ("0001-01-01T00:00:00+01:00", 422, None),
        ("9999-12-31T23:59:59-05:00", 422, None),
    ],
)
def test_case_dates_with_any_offset_are_kept_or_refused(
    api_token: str, received_at: str, status: int, stored: str | None
) -> None:
    body = {"channel": "email", "regime": "message", "text": "Яма", "received_at": received_at}
    client = Client(headers={"authorization": f"Bearer {api_token}"})

    created = client.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    listed = client.get("/api/v1/cases", {"received_from": received_at})

    assert created.status_code == status, created.content
    assert listed.status_code == (200 if status == 201 else 422)
    if stored is not None:
        case = Case.objects.get(pk=created.json()["id"])
        assert case.received_at.isoformat() == stored
