"""The database unreachable mid-request: 503 with Retry-After, never a 500 (issue 9)."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from tests.personas import World, make_case
from veche.org.services import issue_api_token

pytestmark = pytest.mark.django_db

DOWN = OperationalError("server closed the connection unexpectedly")


def test_the_api_answers_503_json_when_the_database_drops(world: World) -> None:
    case = make_case(world.municipality)
    _, token = issue_api_token("outage", user=world.head)
    client = Client(headers={"authorization": f"Bearer {token}"})

    with mock.patch("veche.cases.api.case_detail", side_effect=DOWN):
        answer = client.get(f"/api/v1/cases/{case.pk}")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer.json()["code"] == "unavailable"
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 200  # back when it is


def test_a_page_answers_503_when_the_database_drops(world: World, client: Client) -> None:
    client.force_login(world.head)

    with mock.patch("veche.cases.views.lists.inbox_cases", side_effect=DOWN):
        answer = client.get("/cases/")

    assert answer.status_code == 503
    assert "временно недоступна" in answer.content.decode()
