"""The citizens' form and status page: what a person gets, what a robot gets, and what the
status page never shows."""

import re
import time
import uuid
from typing import Any

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import NOW, World
from veche.cases.models import Case
from veche.cases.services import assign_case, change_status
from veche.cases.workflow import Regime, Status
from veche.intake.identity import SESSION_KEY
from veche.intake.public_forms import SALT

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 300


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


def ticket(age: float = 30, submission: str | None = None) -> str:
    payload = {"id": submission or uuid.uuid4().hex, "t": int(time.time() - age)}
    return signing.dumps(payload, salt=SALT)


def form(**overrides: Any) -> dict[str, Any]:
    return {
        "text": "Во дворе дома 5 по ул. Ленина третий день не вывозят мусор",
        "address": "ул. Ленина, 5",
        "lat": "55.751",
        "lon": "37.618",
        "full_name": "Мария",
        "email": "maria@example.ru",
        "consent": "on",
        "ticket": ticket(),
        "website": "",
        **overrides,
    }


def url(world: World) -> str:
    return f"/report/{world.municipality.oktmo}/"


def test_a_citizen_reports_a_problem_and_follows_it(world: World) -> None:
    client = Client()
    page = client.get(url(world))
    assert page.status_code == 200
    assert "Сообщить о проблеме" in page.content.decode()

    photo = SimpleUploadedFile("двор.jpg", JPEG, "image/jpeg")
    response = client.post(url(world), form(photos=[photo]), follow=True)

    case = Case.objects.get()
    assert (case.channel.code, case.regime, case.status) == ("web_form", "message", "new")
    assert (case.lat, case.lon, case.address_raw) == (55.751, 37.618, "ул. Ленина, 5")
    assert case.author is not None and case.author.email == "maria@example.ru"
    assert [a.name for a in case.attachments.all()] == ["двор.jpg"]
    done = response.content.decode()
    assert case.number in done
    status_link = re.search(r'href="(/report/status/[^"]+/)"', done)
    assert status_link is not None

    change_status(case, Status.REGISTERED, by=world.operator, now=NOW)
    assign_case(case, world.housing, by=world.operator, now=NOW)
    status = Client().get(status_link.group(1))  # another browser: the link is enough
    text = status.content.decode()
    assert status.status_code == 200
    assert "Передано исполнителю" in text and "Комитет ЖКХ" in text
    for private in ("Мария", "maria@example.ru", "не вывозят мусор", "Ленина"):
        assert private not in text


def test_double_submit_files_one_message(world: World) -> None:
    same = ticket(submission="a" * 32)
    Client().post(url(world), form(ticket=same))
    Client().post(url(world), form(ticket=same))

    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"website": "http://spam.example"}, "Сообщение не принято"),
        ({"ticket": "just issued"}, "слишком быстро"),
        ({"ticket": "forged"}, "Форма устарела"),
        ({"consent": ""}, "Без согласия"),
        ({"text": "коротко"}, "не менее 10"),
        ({"text": "см. http://a.ru http://b.ru http://c.ru срочно"}, "Слишком много ссылок"),
        ({"lon": ""}, "Отметка на карте неполная"),
        ({"lat": "123"}, "90"),
    ],
)
def test_bad_or_robotic_input_is_refused_with_a_reason(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    if overrides.get("ticket") == "just issued":  # made here: collection is long before
        overrides = {"ticket": ticket(age=0)}
    response = Client().post(url(world), form(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_a_non_photo_is_refused_and_the_text_kept_in_the_form(world: World) -> None:
    pdf = SimpleUploadedFile("x.jpg", b"%PDF-1.4\n" + b"0" * 100, "image/jpeg")
    response = Client().post(url(world), form(photos=[pdf]))

    assert response.status_code == 400
    assert "не фотография" in response.content.decode()
    assert "третий день не вывозят мусор" in response.content.decode()


def test_rate_limit_per_address(world: World, settings: Any) -> None:
    settings.PUBLIC_FORM_PER_HOUR = 2
    client = Client(REMOTE_ADDR="10.0.0.7")
    codes = [client.post(url(world), form()).status_code for _ in range(3)]

    assert codes == [302, 302, 429]
    assert Case.objects.count() == 2
    assert Client(REMOTE_ADDR="10.0.0.8").post(url(world), form()).status_code == 302


def test_an_identified_author_files_a_59_fz_appeal(world: World) -> None:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"full_name": "Иванов Иван Иванович", "subject": "esia:123"}
    session.save()

    client.post(url(world), form(full_name="", email=""))

    case = Case.objects.get()
    assert case.regime == Regime.APPEAL
    assert case.author is not None and case.author.full_name == "Иванов Иван Иванович"


def test_unknown_municipality_and_forged_status_link_are_404(world: World) -> None:
    assert Client().get("/report/99999999/").status_code == 404
    assert Client().get("/report/status/not-a-token/").status_code == 404
    assert Client().get("/report/").status_code == 200  # two municipalities: a choice
