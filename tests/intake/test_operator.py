"""The operator's quick entry and the channel status page, through the pages."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import World
from veche.cases.models import Case, Event
from veche.catalog.models import Channel
from veche.intake.models import Source

PDF = b"%PDF-1.4\n" + b"0" * 200


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "channel": "letter",
    "regime": "appeal",
    "received_at": "2026-11-20T10:15",
    "text": "Прошу отремонтировать дорогу на ул. Садовой",
    "full_name": "Петров Пётр Петрович",
    "postal_address": "ул. Садовая, 3, кв. 1",
    "priority": "2",
}


def test_operator_registers_a_letter_with_its_scan(world: World) -> None:
    scan = SimpleUploadedFile("скан письма.pdf", PDF, "application/pdf")
    response = client_for(world.operator).post(
        "/intake/new/", FORM | {"municipality": world.municipality.pk, "attachments": [scan]}
    )

    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.channel.code, case.regime, case.municipality) == (
        "letter",
        "appeal",
        world.municipality,
    )
    assert case.author is not None and case.author.postal_address == "ул. Садовая, 3, кв. 1"
    assert [a.name for a in case.attachments.all()] == ["скан письма.pdf"]
    created = case.events.get(kind=Event.Kind.CREATED)
    assert created.actor == world.operator


def test_an_appeal_letter_without_author_is_sent_back_with_the_law(world: World) -> None:
    data = FORM | {"municipality": world.municipality.pk, "full_name": "", "postal_address": ""}
    response = client_for(world.operator).post("/intake/new/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Для обращения по 59-ФЗ укажите ФИО" in page
    assert "почтовый адрес или e-mail" in page
    assert not Case.objects.exists()


def test_an_executable_attachment_is_refused_but_the_case_is_kept(world: World) -> None:
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 300, "image/jpeg")
    response = client_for(world.operator).post(
        "/intake/new/",
        FORM | {"municipality": world.municipality.pk, "attachments": [exe]},
        follow=True,
    )

    assert Case.objects.count() == 1
    assert not Case.objects.get().attachments.exists()
    assert "не принят" in response.content.decode()


def test_only_dispatchers_may_register_and_only_in_their_municipality(world: World) -> None:
    assert client_for(world.housing_executor).get("/intake/new/").status_code == 403
    assert client_for(world.observer).get("/intake/new/").status_code == 403
    response = client_for(world.operator).post(
        "/intake/new/", FORM | {"municipality": world.neighbour.pk}
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


@pytest.mark.parametrize("bad", [{"received_at": "завтра"}, {"channel": "vk"}, {"text": ""}])
def test_bad_values_are_400_with_the_form(world: World, bad: dict[str, str]) -> None:
    data = FORM | {"municipality": world.municipality.pk} | bad
    assert client_for(world.operator).post("/intake/new/", data).status_code == 400


def test_channel_page_shows_a_failing_source_to_the_operator_only(world: World) -> None:
    Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code="email"),
        name="Почта приёмной",
        failures=3,
        last_error="IMAP: authentication failed",
    )
    Source.objects.create(
        municipality=world.neighbour,
        channel=Channel.objects.get(code="email"),
        name="Почта соседей",
    )

    page = client_for(world.operator).get("/intake/sources/").content.decode()
    assert "Почта приёмной" in page and "IMAP: authentication failed" in page
    assert "Почта соседей" not in page
    assert client_for(world.housing_executor).get("/intake/sources/").status_code == 403
