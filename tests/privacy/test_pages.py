"""The privacy page: terms, holds and acts for the head; bad input is a 400 that changes
nothing; other roles get 403."""

from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.personas import PASSWORD, World, make_case
from tests.privacy.conftest import finish_case
from veche.privacy.models import LegalHold, RetentionRule
from veche.privacy.purge import purge_personal_data

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_head_sets_a_term_and_a_bad_one_is_refused(world: World) -> None:
    client = _client("head")
    ok = client.post(
        reverse("privacy:save_rule"),
        {"municipality": world.municipality.pk, "regime": "message", "status": "", "days": 365},
    )
    bad = client.post(
        reverse("privacy:save_rule"),
        {"municipality": world.neighbour.pk, "regime": "message", "status": "", "days": "x"},
    )
    assert ok.status_code == 302
    assert bad.status_code == 400
    assert list(RetentionRule.objects.values_list("municipality_id", "regime", "days")) == [
        (world.municipality.pk, "message", 365)
    ]
    page = client.get(reverse("privacy:index"))
    assert page.status_code == 200 and "365" in page.text


def test_holds_are_placed_by_number_and_released(world: World) -> None:
    case = make_case(world.municipality)
    foreign = make_case(world.neighbour)
    client = _client("head")

    placed = client.post(reverse("privacy:place_hold"), {"number": case.number, "reason": "Суд"})
    refused = client.post(
        reverse("privacy:place_hold"), {"number": foreign.number, "reason": "Суд"}
    )

    assert (placed.status_code, refused.status_code) == (302, 400)
    hold = LegalHold.objects.get()
    assert (hold.case_id, hold.placed_by_id) == (case.pk, world.head.pk)
    assert (
        _client("neighbour_operator")
        .post(reverse("privacy:release_hold", args=[hold.pk]))
        .status_code
        == 404
    )
    assert client.post(reverse("privacy:release_hold", args=[hold.pk])).status_code == 302
    hold.refresh_from_db()
    assert hold.released_by_id == world.head.pk


def test_the_act_downloads_as_a_spreadsheet(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    case = finish_case(world, django_capture_on_commit_callbacks).case
    with django_capture_on_commit_callbacks(execute=True):
        act = purge_personal_data(
            world.municipality, today=date(2026, 6, 1), by=world.head, now=NOW
        ).act
    assert act is not None

    response = _client("head").get(reverse("privacy:act_xlsx", args=[act.pk]))

    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    text = " ".join(str(c.value) for row in book["Акт"].iter_rows() for c in row if c.value)
    assert f"АКТ № {act.number}" in text and world.municipality.name in text
    assert "фамилия, имя, отчество" in text and "01.06.2026" in text
    items = list(book["Перечень"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2]) for r in items] == [(case.number, act.items.get().citizen_ref)]
    assert (
        _client("neighbour_operator").get(reverse("privacy:act_xlsx", args=[act.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("persona", ["housing_executor", "operator", "observer", "regional"])
def test_other_roles_get_403(world: World, persona: str) -> None:
    client = _client(persona)
    assert client.get(reverse("privacy:index")).status_code == 403
    response = client.post(
        reverse("privacy:save_rule"),
        {"municipality": world.municipality.pk, "regime": "", "status": "", "days": 1},
    )
    assert response.status_code == 403
    assert RetentionRule.objects.count() == 0
