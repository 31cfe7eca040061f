"""The problems pages: who sees them, the list's figures, filters and sort, and an officer's
work on a problem (name, merge, split, move, take out) — refused with a readable 4xx."""

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.personas import NOW, World, make_case
from tests.problems.test_grouping import CAMPAIGN, _import
from tests.problems.test_merge_split import (
    IVANOV,
    PETROVA,
    SIDOROV,
    case_by,
    problem_of,
    snapshot,
)
from veche.cases.models import Event
from veche.org.models import Territory
from veche.problems.models import Problem
from veche.problems.services import create_problem


def test_the_mcu_sees_problems_and_takes_a_wrong_case_out(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cases = _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(3)])
    problem = Problem.objects.get()
    client = Client()
    client.force_login(world.operator)

    listing = client.get("/problems/").content.decode()
    assert problem.title[:30] in listing
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert all(c.number in page for c in cases) and "тот же текст" in page
    card = client.get(f"/cases/{cases[0].pk}/").content.decode()
    assert f"/problems/{problem.pk}/" in card

    reply = client.post(f"/problems/{problem.pk}/cases/{cases[1].pk}/remove/")

    assert reply.status_code == 302
    problem.refresh_from_db()
    assert problem.case_count == 2
    assert Event.objects.filter(case=cases[1], kind="problem", actor=world.operator).exists()


def test_problems_stay_within_their_municipality(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, [CAMPAIGN.format(name="Петров", flat=n) for n in range(2)])
    problem = Problem.objects.get()
    client = Client()

    client.force_login(world.neighbour_operator)
    assert problem.title[:30] not in client.get("/problems/").content.decode()
    assert client.get(f"/problems/{problem.pk}/").status_code == 404
    client.force_login(world.housing_executor)  # a department sees its cases, not problems
    assert client.get(f"/problems/{problem.pk}/").status_code == 404
    assert client.get("/problems/").status_code == 200
    client.logout()
    assert client.get("/problems/").status_code == 302


# --- the list: figures, filters, sort -----------------------------------------------------------


def _titles(page: str, titles: list[str]) -> list[str]:
    """The given titles in the order the page's table shows them."""
    table = page[page.index("<table") :] if "<table" in page else ""
    return sorted((t for t in titles if t in table), key=table.index)


def test_the_list_filters_and_sorts_with_the_figures(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    north = Territory.objects.create(
        municipality=world.municipality, kind=Territory.Kind.NEIGHBOURHOOD, name="Северный"
    )
    with django_capture_on_commit_callbacks(execute=True):
        late = [
            make_case(
                world.municipality,
                author=author,
                department=world.housing,
                received_at=NOW - timedelta(days=40),
            )
            for author in (IVANOV, PETROVA)
        ]
    big = problem_of(
        world, "Ямы во дворах", [case_by(world, a, 3) for a in (IVANOV, IVANOV, IVANOV)]
    )
    wide = problem_of(
        world, "Нет отопления в школе", [case_by(world, a, 2) for a in (PETROVA, SIDOROV)]
    )
    problem_of(world, "Мусор на Гагарина", late)
    Problem.objects.filter(pk=big.pk).update(
        topic=world.topic_pits, territory=north, status=Problem.Status.IN_WORK
    )
    Problem.objects.filter(pk=wide.pk).update(named_at=None)
    titles = ["Ямы во дворах", "Нет отопления в школе", "Мусор на Гагарина"]
    client = Client()
    client.force_login(world.operator)

    def shown(query: str) -> list[str]:
        reply = client.get(f"/problems/?{query}")
        assert reply.status_code == 200
        return _titles(reply.content.decode(), titles)

    assert shown("sort=cases") == ["Ямы во дворах", "Нет отопления в школе", "Мусор на Гагарина"]
    assert shown("sort=citizens")[0] in {"Нет отопления в школе", "Мусор на Гагарина"}
    assert shown("sort=citizens")[-1] == "Ямы во дворах"
    assert shown("sort=overdue")[0] == "Мусор на Гагарина"
    assert shown("sort=last")[0] == "Нет отопления в школе"
    assert shown("q=ямы") == ["Ямы во дворах"]  # another form of «Ямы», another case
    assert shown("q=ГАГАР") == ["Мусор на Гагарина"]  # the beginning of a word
    assert shown("q=отопление+школа") == ["Нет отопления в школе"]
    assert shown("q=отопление+двор") == []
    assert shown("named=no") == ["Нет отопления в школе"]
    assert shown(f"topic={world.topic_pits.pk}") == ["Ямы во дворах"]
    assert shown(f"topic={world.topic_pits.parent_id}") == ["Ямы во дворах"]  # the group
    assert shown(f"territory={north.pk}&status=in_work") == ["Ямы во дворах"]
    assert shown("status=solved") == []

    page = client.get("/problems/?sort=overdue").content.decode()
    row = page[page.index("Мусор на Гагарина") :].split("</tr>")[0]
    assert '<strong class="danger">2</strong>' in row


def test_a_hand_edited_query_gives_the_list_and_says_what_was_ignored(world: World) -> None:
    problem_of(world, "Ямы во дворах", [case_by(world, IVANOV, 1), case_by(world, PETROVA, 2)])
    client = Client()
    client.force_login(world.operator)

    reply = client.get("/problems/?sort=evil&topic=abc&territory=999999&status=lost&page=x")

    page = reply.content.decode()
    assert reply.status_code == 200
    assert "Ямы во дворах" in page
    assert "Не удалось разобрать и не учтено: Состояние, Тема, Территория, Порядок." in page


def test_citizen_text_in_a_title_is_never_markup(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    text = "<script>alert('яма')</script> Яма во дворе дома 5 по улице Ленина, колесо пробито."
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, [text, text + " Снова."])
    problem = Problem.objects.get()
    assert "<script>" in problem.title
    client = Client()
    client.force_login(world.operator)

    for path in ("/problems/", f"/problems/{problem.pk}/", f"/problems/{problem.pk}/merge/"):
        page = client.get(path).content.decode()
        assert "<script>alert" not in page
    assert "&lt;script&gt;" in client.get(f"/problems/{problem.pk}/").content.decode()


# --- an officer's work through the pages ---------------------------------------------------------


def test_an_officer_names_merges_splits_and_moves_through_the_pages(world: World) -> None:
    a, b, c, d = (
        case_by(world, who, n) for n, who in enumerate([IVANOV, PETROVA, SIDOROV, IVANOV])
    )
    first = problem_of(world, "Ямы у дома 5", [a, b])
    second = problem_of(world, "Провал асфальта", [c])
    third = problem_of(world, "Лужа", [d])
    client = Client()
    client.force_login(world.head)

    edit = client.post(
        f"/problems/{first.pk}/edit/",
        {"title": "Ямы во дворе дома 5", "status": "in_work", "cause": "Нет ливнёвки",
         "department": world.roads.pk, "place": "двор дома 5"},
    )  # fmt: skip
    picker = client.get(f"/problems/{first.pk}/merge/?q=асфальт").content.decode()
    merge = client.post(f"/problems/{first.pk}/merge/", {"others": [second.pk, third.pk]})
    split = client.post(
        f"/problems/{first.pk}/split/", {"cases": [d.pk], "title": "Лужа у подъезда"}
    )
    new = Problem.objects.get(title="Лужа у подъезда")
    move = client.post(f"/problems/{first.pk}/cases/{c.pk}/move/", {"target": new.pk})

    assert [r.status_code for r in (edit, merge, split, move)] == [302] * 4
    assert "Провал асфальта" in picker and "Лужа" not in picker
    assert split["Location"] == f"/problems/{new.pk}/"
    assert move["Location"] == f"/problems/{new.pk}/"
    first.refresh_from_db()
    new.refresh_from_db()
    assert (first.title, first.status, first.cause, first.department) == (
        "Ямы во дворе дома 5", "in_work", "Нет ливнёвки", world.roads,
    )  # fmt: skip
    assert first.block == world.city_block and first.named_by == world.operator
    assert set(first.links.values_list("case_id", flat=True)) == {a.pk, b.pk}
    assert set(new.links.values_list("case_id", flat=True)) == {c.pk, d.pk}
    assert not Problem.objects.filter(pk__in=[second.pk, third.pk]).exists()
    page = client.get(f"/problems/{new.pk}/").content.decode()
    assert c.number in page and d.number in page and "Заявителей" in page


def test_who_may_do_what_on_the_problem_pages(world: World) -> None:
    a, b, c = (case_by(world, who, 1) for who in (IVANOV, PETROVA, SIDOROV))
    problem = problem_of(world, "Ямы", [a, b])
    other = problem_of(world, "Лужа", [c])
    posts = {
        f"/problems/{problem.pk}/edit/": {"title": "Чужое название", "status": "open"},
        f"/problems/{problem.pk}/merge/": {"others": [other.pk]},
        f"/problems/{problem.pk}/split/": {"cases": [a.pk], "title": "Чужая"},
        f"/problems/{problem.pk}/cases/{a.pk}/move/": {"target": other.pk},
        f"/problems/{problem.pk}/cases/{a.pk}/remove/": {},
    }
    gets = [
        f"/problems/{problem.pk}/",
        f"/problems/{problem.pk}/merge/",
        f"/problems/{problem.pk}/cases/{a.pk}/move/",
    ]
    before = snapshot()
    client = Client()

    for who, get_status, post_status in [
        ("housing_executor", 404, 404),  # works on its department's cases, sees no problems
        ("neighbour_operator", 404, 404),
        ("nobody", 404, 404),
        ("observer", 200, 403),  # sees the problems, changes nothing
        ("regional", 200, 403),
    ]:
        client.force_login(getattr(world, who))
        for path in gets:
            assert client.get(path).status_code == get_status, (who, path)
        for path, data in posts.items():
            if path.endswith("/remove/"):
                continue  # a refusal there is a message on the problem's page
            assert client.post(path, data).status_code == post_status, (who, path)
    client.force_login(world.observer)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert f"/problems/{problem.pk}/edit/" not in page and 'form="split"' not in page
    client.logout()
    for path, data in posts.items():
        reply = client.post(path, data)
        assert reply.status_code == 302 and reply["Location"].startswith("/login")

    assert snapshot() == before


def test_malformed_posts_get_a_russian_400_and_change_nothing(world: World) -> None:
    a, b, c = (case_by(world, who, 1) for who in (IVANOV, PETROVA, SIDOROV))
    problem = problem_of(world, "Ямы", [a, b])
    problem_of(world, "Лужа", [c])
    foreign = create_problem(
        world.neighbour,
        title="Чужая",
        cases=[make_case(world.neighbour)],
        by=world.neighbour_operator,
        now=NOW,
    )
    before = snapshot()
    client = Client()
    client.force_login(world.operator)
    attempts = [
        ("edit/", {"title": "  ", "status": "open"}, "Обязательное поле."),
        ("edit/", {"title": "Ямы", "status": "lost"}, "Выберите корректный вариант."),
        ("edit/", {"title": "Ямы", "status": "open", "department": world.neighbour_housing.pk},
         "Выберите корректный вариант."),
        ("merge/", {}, "Отметьте проблемы, которые объединить с этой."),
        ("merge/", {"others": ["abc"]}, "Неверный номер проблемы."),
        ("merge/", {"others": [foreign.pk]}, "Проблема не найдена в этом МО."),
        ("merge/", {"others": [problem.pk]}, "Проблема не найдена в этом МО."),
        ("split/", {"title": "Новая"}, "Отметьте обращения, которые выделить в новую проблему."),
        ("split/", {"cases": [c.pk], "title": "Новая"}, "Обращение не найдено в этой проблеме."),
        ("split/", {"cases": [a.pk]}, "Укажите название новой проблемы."),
        ("split/", {"cases": [a.pk, b.pk], "title": "Новая"}, "Выделить все обращения нельзя"),
        (f"cases/{a.pk}/move/", {}, "Выберите проблему, в которую перенести обращение."),
        (f"cases/{a.pk}/move/", {"target": foreign.pk}, "Проблема не найдена в этом МО."),
    ]  # fmt: skip

    for path, data, message in attempts:
        reply = client.post(f"/problems/{problem.pk}/{path}", data)
        assert reply.status_code == 400, (path, data)
        assert message in reply.content.decode(), (path, data)
    assert client.post(f"/problems/{problem.pk}/cases/{c.pk}/move/", {}).status_code == 404
    assert client.get(f"/problems/{problem.pk}/split/").status_code == 405

    assert snapshot() == before


def test_the_list_takes_as_many_queries_for_twenty_problems_as_for_two(world: World) -> None:
    client = Client()
    client.force_login(world.operator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/problems/?sort=overdue").status_code == 200
        return len(captured.captured_queries)

    for n in range(2):
        problem_of(world, f"Проблема {n}", [case_by(world, IVANOV, n)])
    few = queries()
    for n in range(2, 20):
        problem_of(world, f"Проблема {n}", [case_by(world, PETROVA, n)])

    assert queries() == few
