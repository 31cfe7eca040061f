"""An id beyond the database's 64-bit integer in a filter is a 422, not a 500 (found by
schemathesis on SQLite: «Python int too large to convert to SQLite INTEGER»)."""

import pytest
from django.test import Client

from tests.personas import World
from veche.org.services import issue_api_token

pytestmark = pytest.mark.django_db

HUGE = 2**64


@pytest.mark.parametrize(
    "query",
    [
        f"/api/v1/problems?topic={HUGE}",
        f"/api/v1/problems?territory={HUGE}",
        f"/api/v1/cases?topic={HUGE}",
        f"/api/v1/cases?department={HUGE}",
        f"/api/v1/cases?block={HUGE}",
        f"/api/v1/cases?territory={HUGE}",
        f"/api/v1/cases?municipality={HUGE}",
        "/api/v1/cases?topic=-1",
    ],
)
def test_an_id_out_of_range_is_refused_with_422(world: World, query: str) -> None:
    _, token = issue_api_token("ids", user=world.head)

    answer = Client(headers={"authorization": f"Bearer {token}"}).get(query)

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid"
