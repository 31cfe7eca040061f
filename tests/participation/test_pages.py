"""The pages: a resident votes through the public page (code → ballot → thanks), a second
ballot is a 409, the МЦУ builds a poll through its editor, sees results with bars and exports
them; another municipality sees nothing; malformed posts get a 4xx with a reason."""

import csv
import io
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from openpyxl import load_workbook

from tests.participation.factories import open_repair_poll
from tests.personas import NOW, PASSWORD, World
from veche.org.models import User
from veche.participation.exports import result_rows, safe_cell
from veche.participation.models import Answer, Ballot, Poll, Question
from veche.participation.results import poll_results


def _staff(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _code() -> str:
    return str(mail.outbox[-1].body).split(": ", 1)[1][:6]


def _vote_form(poll: Poll, first: int = 0, text: str = "") -> dict[str, Any]:
    q = list(poll.questions.all())
    return {f"q{q[0].pk}": str(list(q[0].choices.all())[first].pk), f"q{q[2].pk}": text}


def test_a_resident_votes_through_the_public_page(world: World) -> None:
    poll = open_repair_poll(world)
    client = Client(enforce_csrf_checks=True)
    base = f"/public/polls/{poll.public_key}/"
    page = client.get(base)
    assert page.status_code == 200 and "Получить код" in page.content.decode()
    assert (
        client.post(base + "identify/", {"identity": "ivan@mail.ru"}).status_code == 403
    )  # no CSRF

    client = Client()
    assert client.post(base + "identify/", {"identity": "ivan@mail.ru"}).status_code == 302
    wrong = client.post(base + "confirm/", {"code": "abc"})
    assert wrong.status_code == 400 and "Код неверный" in wrong.content.decode()
    assert client.post(base + "confirm/", {"code": _code()}).status_code == 302
    assert "Проголосовать" in client.get(base).content.decode()
    assert client.post(base + "vote/", _vote_form(poll, 1, "<script>x</script>")).status_code == 302
    assert "Ваш голос учтён" in client.get(base).content.decode()

    again = client.post(base + "vote/", _vote_form(poll, 0))
    assert again.status_code == 409
    assert Ballot.objects.count() == 1
    assert Answer.objects.get(choice__isnull=True).text == "<script>x</script>"


def test_a_malformed_ballot_is_a_400_and_counts_nothing(world: World) -> None:
    poll = open_repair_poll(world)
    client = Client()
    base = f"/public/polls/{poll.public_key}/"
    client.post(base + "identify/", {"identity": "ivan@mail.ru"})
    client.post(base + "confirm/", {"code": _code()})
    q = poll.questions.first()
    assert q is not None
    bad = client.post(base + "vote/", {f"q{q.pk}": "not-a-number"})
    assert bad.status_code == 400 and "Неизвестный вариант" in bad.content.decode()
    assert client.post(base + "vote/", {}).status_code == 400
    assert Ballot.objects.count() == 0


def test_a_draft_is_not_public_and_results_wait_for_the_close(world: World) -> None:
    poll = open_repair_poll(world)
    draft = Poll.objects.create(
        municipality=world.municipality,
        title="Черновик",
        confirmation="email",
        created_at=poll.created_at,
    )
    client = Client()
    assert client.get(f"/public/polls/{draft.public_key}/").status_code == 404
    assert client.get(f"/public/polls/{poll.public_key}/results/").status_code == 404
    Poll.objects.filter(pk=poll.pk).update(status=Poll.Status.CLOSED)
    page = client.get(f"/public/polls/{poll.public_key}/results/")
    assert page.status_code == 200 and "Всего бюллетеней" in page.content.decode()
    assert (
        client.post(
            f"/public/polls/{poll.public_key}/identify/", {"identity": "a@mail.ru"}
        ).status_code
        == 409
    )


def test_the_mcu_builds_and_opens_a_poll_through_the_editor(world: World) -> None:
    client = _staff(world.operator)
    made = client.post(
        "/participation/new/",
        {"title": "Двор на Ленина", "confirmation": "phone", "results_public": "on"},
    )
    assert made.status_code == 302
    poll = Poll.objects.get()
    url = f"/participation/{poll.pk}/"
    assert client.post(url + "open/").status_code == 400  # no questions yet
    one = client.post(
        url + "questions/", {"text": "Что первым?", "kind": "single", "choices": "Дорога"}
    )
    assert one.status_code == 400 and "не меньше двух" in one.content.decode()
    ok = client.post(
        url + "questions/",
        {"text": "Что первым?", "kind": "single", "required": "on", "choices": "Дорога\nТротуар\n"},
    )
    assert ok.status_code == 302
    assert list(Question.objects.get().choices.values_list("text", flat=True)) == [
        "Дорога",
        "Тротуар",
    ]
    assert client.post(url + "open/").status_code == 302
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN and poll.opens_at is not None
    late = client.post(url + "questions/", {"text": "Ещё?", "kind": "text"})
    assert late.status_code == 409 and Question.objects.count() == 1
    page = client.get(url)
    assert str(poll.public_key) in page.content.decode()


def test_another_municipality_and_readers_cannot_manage(world: World) -> None:
    poll = open_repair_poll(world)
    assert _staff(world.neighbour_operator).get(f"/participation/{poll.pk}/").status_code == 404
    assert (
        _staff(world.neighbour_operator).get("/participation/").content.decode().count(poll.title)
        == 0
    )
    observer = _staff(world.observer)
    assert observer.get(f"/participation/{poll.pk}/").status_code == 200
    assert observer.post(f"/participation/{poll.pk}/close/").status_code == 403
    assert (
        observer.post("/participation/new/", {"title": "x", "confirmation": "email"}).status_code
        == 403
    )
    assert Poll.objects.get().status == Poll.Status.OPEN


def test_results_page_and_exports(world: World) -> None:
    poll = open_repair_poll(world)
    client = Client()
    base = f"/public/polls/{poll.public_key}/"
    client.post(base + "identify/", {"identity": "ivan@mail.ru"})
    client.post(base + "confirm/", {"code": _code()})
    client.post(base + "vote/", _vote_form(poll, 2, '=HYPERLINK("http://x")'))

    staff = _staff(world.head)
    page = staff.get(f"/participation/{poll.pk}/results/").content.decode()
    assert 'style="width: 100%"' in page and "=HYPERLINK(&quot;http://x&quot;)" in page
    rows = list(
        csv.reader(
            io.StringIO(
                staff.get(f"/participation/{poll.pk}/results.csv").content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert ["Что ремонтировать первым?", "Освещение", "1", "100"] in rows
    assert ["Что ещё?", '\'=HYPERLINK("http://x")', "", ""] in rows
    book = load_workbook(io.BytesIO(staff.get(f"/participation/{poll.pk}/results.xlsx").content))
    sheet = book.active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert ["Всего бюллетеней", None, 1, None] in values
    assert result_rows(poll_results(poll))[0] == ["Вопрос", "Вариант / ответ", "Голосов", "%"]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+7 912", "'+7 912"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Дорога", "Дорога"),
        (5, 5),
    ],
)
def test_csv_cells_cannot_start_a_formula(value: object, safe: object) -> None:
    assert safe_cell(value) == safe


def test_a_login_poll_gives_one_vote_per_signed_in_user(world: World) -> None:
    poll = open_repair_poll(world, Poll.Confirmation.LOGIN)
    base = f"/public/polls/{poll.public_key}/"
    anonymous = Client().post(base + "identify/")
    assert anonymous.status_code == 403 and "Войдите" in anonymous.content.decode()
    client = _staff(world.observer)
    assert client.post(base + "identify/").status_code == 302
    assert client.post(base + "vote/", _vote_form(poll, 0)).status_code == 302
    assert client.post(base + "identify/").status_code == 302  # the same voter row again
    assert client.post(base + "vote/", _vote_form(poll, 1)).status_code == 409
    assert Ballot.objects.count() == 1 and mail.outbox == []


def test_the_road_map_block_lists_only_polls_residents_can_open(world: World) -> None:
    from django.template.loader import render_to_string

    from veche.problems.models import Roadmap

    roadmap = Roadmap.objects.create(
        municipality=world.municipality,
        title="Ремонт ул. Ленина",
        started_on=NOW.date(),
        created_at=NOW,
    )
    poll = open_repair_poll(world)
    Poll.objects.filter(pk=poll.pk).update(roadmap=roadmap)
    Poll.objects.create(
        municipality=world.municipality,
        title="Черновик опроса",
        confirmation="email",
        roadmap=roadmap,
        created_at=NOW,
    )
    html = render_to_string("participation/_roadmap_polls.html", {"roadmap": roadmap})
    assert f"/public/polls/{poll.public_key}/" in html
    assert "Черновик опроса" not in html


def test_a_territory_poll_asks_the_voter_to_declare_he_lives_there(world: World) -> None:
    from veche.org.models import Territory

    street = Territory.objects.create(
        municipality=world.municipality, kind=Territory.Kind.NEIGHBOURHOOD, name="мкр. Ленинский"
    )
    poll = open_repair_poll(world)
    Poll.objects.filter(pk=poll.pk).update(territory=street)
    client = Client()
    base = f"/public/polls/{poll.public_key}/"
    client.post(base + "identify/", {"identity": "ivan@mail.ru"})
    client.post(base + "confirm/", {"code": _code()})
    assert "мкр. Ленинский" in client.get(base).content.decode()
    refused = client.post(base + "vote/", _vote_form(poll, 0))
    assert refused.status_code == 400 and Ballot.objects.count() == 0
    assert client.post(base + "vote/", {**_vote_form(poll, 0), "resident": "on"}).status_code == 302
    assert Ballot.objects.count() == 1
