"""Road maps: the МЦУ plans them, the responsible official reports progress on his own action,
documents are checked by content and served only as downloads, and every malformed request is
answered with a 4xx and a readable reason."""

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import NOW, World
from tests.problems.test_effect import AFTER, BEFORE, _drafts
from veche.cases.errors import CaseError, ErrorCode
from veche.cases.services import record_cases
from veche.org.models import Territory
from veche.problems.models import Action, ActionDocument, Problem, Roadmap
from veche.problems.roadmaps import (
    ActionData,
    RoadmapData,
    add_action,
    attach_document,
    create_roadmap,
    delete_action,
    delete_document,
    move_action,
    reorder_actions,
    report_progress,
    roadmap_progress,
    update_action,
    update_roadmap,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _problem(world: World, municipality: Any = None) -> Problem:
    return Problem.objects.create(
        municipality=municipality or world.municipality,
        title="Ямы на ул. Ленина",
        first_at=NOW,
        last_at=NOW,
        created_at=NOW,
    )


def _plan(world: World, **fields: Any) -> Roadmap:
    data = RoadmapData(
        **{
            "title": "Ямочный ремонт ул. Ленина",
            "started_on": date(2026, 8, 1),
            "problem": _problem(world),
            **fields,
        }
    )
    return create_roadmap(world.municipality, data, by=world.operator, now=NOW)


def _action(roadmap: Roadmap, world: World, title: str = "Ямочный ремонт", **fields: Any) -> Action:
    data = ActionData(**{"title": title, "due_on": date(2026, 12, 1), **fields})
    return add_action(roadmap, data, by=world.operator, now=NOW)


def _pdf(name: str = "акт выполненных работ.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- services -------------------------------------------------------------------------------------


def test_the_mcu_plans_a_road_map_with_actions_and_its_progress_is_their_mean(
    world: World,
) -> None:
    roadmap = _plan(
        world,
        owner=world.head,
        department=world.roads,
        expected_effect="Сообщений о ямах на ул. Ленина меньше на 80 % к августу",
        target_percent=80,
        target_date=date(2027, 8, 31),
        status=Roadmap.Status.ACTIVE,
    )
    first = _action(roadmap, world, "Обследование", responsible=world.roads_executor)
    second = _action(roadmap, world, "Ремонт", department=world.roads, cost=Decimal("1200000"))
    third = _action(roadmap, world, "Приёмка", progress=30)
    fourth = _action(roadmap, world, "Лишнее", status=Action.Status.CANCELLED)

    assert [a.position for a in (first, second, third, fourth)] == [0, 1, 2, 3]
    assert third.status == Action.Status.IN_PROGRESS  # progress on a planned action: under way
    report_progress(first, status="done", progress=10, note="", by=world.roads_executor, now=NOW)
    first.refresh_from_db()
    assert (first.status, first.progress, first.done_on) == ("done", 100, date(2026, 11, 23))
    # (100 + 0 + 30) / 3: the cancelled action does not count.
    assert roadmap_progress(roadmap.actions.all()) == 43
    assert roadmap_progress([]) is None
    roadmap.refresh_from_db()
    assert (roadmap.owner, roadmap.department, roadmap.target_percent) == (
        world.head, world.roads, 80
    )  # fmt: skip


def test_an_action_taken_back_from_done_loses_its_date(world: World) -> None:
    action = _action(_plan(world), world, status=Action.Status.DONE)
    assert (action.progress, action.done_on) == (100, date(2026, 11, 23))

    action = update_action(
        action,
        ActionData(title="Ремонт", due_on=date(2026, 12, 1), status="in_progress", progress=90),
        by=world.operator,
        now=NOW,
    )

    assert (action.status, action.progress, action.done_on) == ("in_progress", 90, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"problem": None}, "Укажите проблему или тему"),
        ({"title": "  "}, "Укажите название"),
        ({"target_date": date(2026, 7, 1)}, "позже начала"),
        ({"target_percent": 0}, "от 1 до 100"),
        ({"status": "lost"}, "Неизвестное состояние"),
    ],
)
def test_a_road_map_without_what_it_needs_is_refused(
    world: World, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(CaseError) as caught:
        _plan(world, **fields)

    assert caught.value.code == ErrorCode.INVALID
    assert message in caught.value.message
    assert not Roadmap.objects.exists()


def test_a_road_map_takes_only_its_own_municipality(world: World) -> None:
    foreign_territory = Territory.objects.create(
        municipality=world.neighbour, kind="district", name="Чужой округ"
    )
    cases: list[dict[str, Any]] = [
        {"problem": _problem(world, world.neighbour)},
        {"problem": None, "territory": foreign_territory},
        {"department": world.neighbour_housing},
        {"owner": world.neighbour_operator},
        {"territory": foreign_territory},  # with a problem too: one or the other
    ]
    for fields in cases:
        with pytest.raises(CaseError) as caught:
            _plan(world, **fields)
        assert caught.value.code == ErrorCode.INVALID, fields
    assert not Roadmap.objects.exists()


def test_only_municipality_wide_work_plans(world: World) -> None:
    roadmap = _plan(world)
    data = RoadmapData(title="Чужая", started_on=date(2026, 8, 1), topic=world.topic_pits)
    for person in (
        world.housing_executor,
        world.block_head,
        world.observer,
        world.regional,
        world.neighbour_operator,
        world.nobody,
    ):
        with pytest.raises(CaseError) as caught:
            create_roadmap(world.municipality, data, by=person, now=NOW)
        assert caught.value.code == ErrorCode.FORBIDDEN
        with pytest.raises(CaseError):
            update_roadmap(roadmap, data, by=person, now=NOW)
        with pytest.raises(CaseError):
            add_action(roadmap, ActionData("Х", date(2026, 12, 1)), by=person, now=NOW)
    assert Roadmap.objects.get().title == "Ямочный ремонт ул. Ленина"
    assert not Action.objects.exists()


def test_the_responsible_official_reports_only_on_his_own_action(world: World) -> None:
    roadmap = _plan(world)
    own = _action(roadmap, world, "Ремонт", responsible=world.roads_executor)
    other = _action(roadmap, world, "Освещение", responsible=world.housing_executor)

    report_progress(
        own,
        status="planned",
        progress=40,
        note="Закуплен асфальт",
        by=world.roads_executor,
        now=NOW,
    )
    with pytest.raises(CaseError) as caught:
        report_progress(
            other, status="done", progress=100, note="", by=world.roads_executor, now=NOW
        )
    assert caught.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(CaseError):  # he reports; he does not re-plan
        update_action(own, ActionData("Другое", date(2027, 1, 1)), by=world.roads_executor, now=NOW)
    with pytest.raises(CaseError):
        delete_action(own, by=world.roads_executor)

    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, own.progress, own.note, own.title) == (
        "in_progress", 40, "Закуплен асфальт", "Ремонт"
    )  # fmt: skip
    assert (other.status, other.progress) == ("planned", 0)


def test_actions_are_reordered_only_as_a_whole(world: World) -> None:
    roadmap = _plan(world)
    a, b, c = (_action(roadmap, world, t) for t in ("А", "Б", "В"))

    reorder_actions(roadmap, [c.pk, a.pk, b.pk], by=world.operator)
    assert list(roadmap.actions.values_list("title", flat=True)) == ["В", "А", "Б"]
    move_action(Action.objects.get(pk=b.pk), -1, by=world.operator)
    assert list(roadmap.actions.values_list("title", flat=True)) == ["В", "Б", "А"]

    for order in ([a.pk, b.pk], [a.pk, a.pk, b.pk], [a.pk, b.pk, c.pk, 999]):
        with pytest.raises(CaseError):
            reorder_actions(roadmap, order, by=world.operator)
    with pytest.raises(CaseError):
        move_action(Action.objects.get(pk=c.pk), -1, by=world.operator)  # already first
    assert list(roadmap.actions.values_list("title", flat=True)) == ["В", "Б", "А"]


# --- documents ------------------------------------------------------------------------------------


def test_a_document_is_checked_by_content_and_stored_outside_the_web_root(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    action = _action(_plan(world), world, responsible=world.roads_executor)

    document = attach_document(action, _pdf(), by=world.roads_executor, now=NOW)

    assert (document.name, document.content_type, document.size) == (
        "акт выполненных работ.pdf", "application/pdf", len(PDF)
    )  # fmt: skip
    stored = Path(document.file.path)
    assert stored.read_bytes() == PDF
    assert stored.is_relative_to(Path(django_settings.MEDIA_ROOT))
    assert not stored.is_relative_to(Path(django_settings.STATIC_ROOT))
    assert stored.name != document.name  # a random name on disk, never the sender's

    for name, content in (
        ("акт.pdf", b"<html><script>alert(1)</script></html>\x00"),  # not a PDF, whatever its name
        ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 60),
        ("пустой.pdf", b""),
    ):
        with pytest.raises(CaseError) as caught:
            attach_document(action, SimpleUploadedFile(name, content), by=world.operator, now=NOW)
        assert caught.value.code == ErrorCode.INVALID
    with pytest.raises(CaseError) as caught:  # not his action
        attach_document(action, _pdf(), by=world.housing_executor, now=NOW)
    assert caught.value.code == ErrorCode.FORBIDDEN
    assert ActionDocument.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        delete_document(document, by=world.roads_executor)
    assert not ActionDocument.objects.exists()
    assert not stored.exists()


def test_deleting_an_action_removes_its_files(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    action = _action(_plan(world), world)
    stored = Path(attach_document(action, _pdf(), by=world.operator, now=NOW).file.path)

    with django_capture_on_commit_callbacks(execute=True):
        delete_action(action, by=world.operator)

    assert not Action.objects.exists() and not ActionDocument.objects.exists()
    assert not stored.exists()


# --- pages ----------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_mcu_creates_a_road_map_from_a_problem_page_link_and_fills_it(world: World) -> None:
    problem = _problem(world)
    client = _client(world.operator)

    form = client.get(f"/problems/roadmaps/new/?problem={problem.pk}")
    assert form.status_code == 200
    assert "Дорожная карта: Ямы на ул. Ленина" in form.content.decode()

    reply = client.post(
        f"/problems/roadmaps/new/?problem={problem.pk}",
        {
            "title": "Ямочный ремонт ул. Ленина",
            "problem": problem.pk,
            "started_on": "2026-08-01",
            "expected_effect": "Сообщений меньше на 80 % к августу",
            "target_percent": "80",
            "target_date": "2027-08-31",
            "status": "active",
            "owner": world.head.pk,
            "department": world.roads.pk,
        },
    )
    roadmap = Roadmap.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/problems/roadmaps/{roadmap.pk}/"
    assert (roadmap.problem, roadmap.status, roadmap.is_public) == (problem, "active", False)

    reply = client.post(
        f"/problems/roadmaps/{roadmap.pk}/actions/",
        {
            "new-title": "Ямочный ремонт участка 1",
            "new-responsible": world.roads_executor.pk,
            "new-department": world.roads.pk,
            "new-due_on": "2026-12-01",
            "new-status": "in_progress",
            "new-progress": "50",
            "new-cost": "1500000.50",
        },
    )
    action = Action.objects.get()
    assert reply.status_code == 302 and reply["Location"].endswith(f"#action-{action.pk}")
    assert (action.cost, action.progress, action.responsible) == (
        Decimal("1500000.50"), 50, world.roads_executor
    )  # fmt: skip

    page = client.get(f"/problems/roadmaps/{roadmap.pk}/").content.decode()
    assert "Ямочный ремонт участка 1" in page and "Комитет по дорогам" in page
    assert 'value="50"' in page  # the progress bar and the edit form
    listing = client.get("/problems/roadmaps/").content.decode()
    assert "Ямочный ремонт ул. Ленина" in listing and "50 %" in listing


def test_the_list_and_the_map_show_the_measured_effect(world: World) -> None:
    quarter = Territory.objects.create(
        municipality=world.municipality, kind="neighbourhood", name="микрорайон Лесной"
    )
    record_cases(
        world.municipality,
        _drafts(BEFORE, 20, prefix="in", topic=world.topic_pits, territory=quarter)
        + _drafts(AFTER, 4, prefix="in", topic=world.topic_pits, territory=quarter),
        by=None,
    )
    roadmap = create_roadmap(
        world.municipality,
        RoadmapData(
            title="Дворы Лесного",
            started_on=date(2026, 8, 1),
            topic=world.topic_pits,
            territory=quarter,
            target_percent=80,
            status="active",
        ),
        by=world.operator,
        now=NOW,
    )
    client = _client(world.head)

    listing = client.get("/problems/roadmaps/?on=2026-11-22").content.decode()
    page = client.get(f"/problems/roadmaps/{roadmap.pk}/?on=2026-11-22").content.decode()

    assert "−80\u00a0%" in listing and "цель уже достигается" in listing
    # May–July against August–October, as measured at the end of 22 November.
    assert "май 2026 — июль 2026" in page and "август 2026 — октябрь 2026" in page
    assert "<strong>60</strong>" in page and "<strong>12</strong>" in page
    assert "−80\u00a0%" in page and "<svg" in page
    for wrong in ("вчера", "2026-13-01", "2999-01-01"):
        reply = client.get(f"/problems/roadmaps/{roadmap.pk}/?on={wrong}")
        assert reply.status_code == 400 and "msg-error" in reply.content.decode()
        assert client.get(f"/problems/roadmaps/?on={wrong}").status_code == 400


def test_the_responsible_official_sees_the_map_and_reports_on_his_action_only(
    world: World,
) -> None:
    roadmap = _plan(world)
    own = _action(roadmap, world, "Ремонт", responsible=world.roads_executor)
    other = _action(roadmap, world, "Освещение")
    client = _client(world.roads_executor)

    page = client.get(f"/problems/roadmaps/{roadmap.pk}/")
    assert page.status_code == 200
    assert f"/actions/{own.pk}/progress/" in page.content.decode()
    assert f"/actions/{other.pk}/progress/" not in page.content.decode()
    assert "Добавить мероприятие" not in page.content.decode()

    done = client.post(
        f"/problems/roadmaps/{roadmap.pk}/actions/{own.pk}/progress/",
        {f"p{own.pk}-status": "done", f"p{own.pk}-progress": "100", f"p{own.pk}-note": "Сдано"},
    )
    refused = client.post(
        f"/problems/roadmaps/{roadmap.pk}/actions/{other.pk}/progress/",
        {f"p{other.pk}-status": "done", f"p{other.pk}-progress": "100"},
    )
    replan = client.post(
        f"/problems/roadmaps/{roadmap.pk}/actions/{own.pk}/",
        {f"a{own.pk}-title": "Другое", f"a{own.pk}-due_on": "2027-01-01",
         f"a{own.pk}-status": "planned", f"a{own.pk}-progress": "0"},
    )  # fmt: skip

    assert done.status_code == 302
    assert (refused.status_code, replan.status_code) == (403, 403)
    assert "Недостаточно прав" in refused.content.decode()
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, own.title, other.status) == ("done", "Ремонт", "planned")
    assert client.get(f"/problems/roadmaps/{roadmap.pk}/edit/").status_code == 403


def test_road_maps_stay_with_those_who_have_a_part_in_them(world: World) -> None:
    roadmap = _plan(world)
    _action(roadmap, world, "Ремонт", responsible=world.roads_executor)

    for person in (world.housing_executor, world.neighbour_operator, world.nobody):
        client = _client(person)
        assert client.get(f"/problems/roadmaps/{roadmap.pk}/").status_code == 404, person
        assert roadmap.title not in client.get("/problems/roadmaps/").content.decode()
    observer = _client(world.observer)
    assert observer.get(f"/problems/roadmaps/{roadmap.pk}/").status_code == 200
    assert observer.get("/problems/roadmaps/new/").status_code == 403
    assert Client().get("/problems/roadmaps/").status_code == 302  # to the login page


def test_a_document_is_downloaded_never_shown(world: World) -> None:
    roadmap = _plan(world)
    action = _action(roadmap, world, responsible=world.roads_executor)
    client = _client(world.roads_executor)

    reply = client.post(
        f"/problems/roadmaps/{roadmap.pk}/actions/{action.pk}/documents/",
        {f"d{action.pk}-file": _pdf("акт.pdf")},
    )
    document = ActionDocument.objects.get()
    assert reply.status_code == 302

    download = client.get(f"/problems/roadmaps/{roadmap.pk}/documents/{document.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]

    stranger = _client(world.neighbour_operator)
    assert (
        stranger.get(f"/problems/roadmaps/{roadmap.pk}/documents/{document.pk}/").status_code == 404
    )
    other = _plan(world, title="Другая карта")
    assert client.get(f"/problems/roadmaps/{other.pk}/documents/{document.pk}/").status_code == 404


def test_a_refused_upload_is_a_400_with_the_reason(world: World) -> None:
    roadmap = _plan(world)
    action = _action(roadmap, world)
    fake = SimpleUploadedFile("отчёт.pdf", b"<html><body>not a pdf</body></html>\x00\x01")

    reply = _client(world.operator).post(
        f"/problems/roadmaps/{roadmap.pk}/actions/{action.pk}/documents/",
        {f"d{action.pk}-file": fake},
    )

    assert reply.status_code == 400
    assert "не принят" in reply.content.decode()
    assert not ActionDocument.objects.exists()


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("/problems/roadmaps/new/", {}, 400),
        ("/problems/roadmaps/new/", {"title": "Х", "started_on": "вчера", "status": "draft"}, 400),
        (
            "/problems/roadmaps/new/",
            {"title": "Х", "started_on": "2026-08-01", "status": "draft"},  # no scope
            400,
        ),
        ("{map}actions/", {"new-title": "Х", "new-due_on": "2026-12-01"}, 400),  # no progress
        (
            "{map}actions/",
            {
                "new-title": "Х",
                "new-due_on": "2026-12-01",
                "new-status": "planned",
                "new-progress": "150",
            },
            400,
        ),
        ("{map}actions/{action}/move/", {"direction": "sideways"}, 400),
        ("{map}actions/{action}/move/", {"direction": "up"}, 400),  # already first
        ("{map}actions/{action}/progress/", {"p{action}-status": "lost"}, 400),
        ("{map}actions/999999/progress/", {}, 404),
        ("{map}documents/999999/delete/", {}, 404),
        ("/problems/roadmaps/999999/actions/", {}, 404),
    ],
)
def test_a_malformed_request_is_a_4xx_and_changes_nothing(
    world: World, path: str, data: dict[str, str], status: int
) -> None:
    roadmap = _plan(world)
    action = _action(roadmap, world)
    values = {"map": f"/problems/roadmaps/{roadmap.pk}/", "action": action.pk}
    client = _client(world.operator)

    reply = client.post(path.format(**values), {k.format(**values): v for k, v in data.items()})

    assert reply.status_code == status
    assert Roadmap.objects.count() == 1 and Action.objects.count() == 1
    action.refresh_from_db()
    assert (action.title, action.status, action.progress) == ("Ямочный ремонт", "planned", 0)


def test_a_new_map_for_a_problem_one_cannot_see_is_a_404(world: World) -> None:
    foreign = _problem(world, world.neighbour)
    client = _client(world.operator)

    assert client.get(f"/problems/roadmaps/new/?problem={foreign.pk}").status_code == 404
    assert client.get("/problems/roadmaps/new/?problem=abc").status_code == 404
    assert client.get("/problems/roadmaps/?status=lost&page=x").status_code == 200


def test_the_mcu_publishes_reorders_and_deletes_through_the_pages(world: World) -> None:
    roadmap = _plan(world)
    first, second = _action(roadmap, world, "Первое"), _action(roadmap, world, "Второе")
    client = _client(world.operator)
    edit = {
        "title": "Ямочный ремонт ул. Ленина",
        "problem": roadmap.problem_id,
        "started_on": "2026-08-01",
        "status": "active",
        "is_public": "on",
    }

    assert client.get(f"/problems/roadmaps/{roadmap.pk}/edit/").status_code == 200
    refused = client.post(
        f"/problems/roadmaps/{roadmap.pk}/edit/", edit | {"target_percent": "150"}
    )
    saved = client.post(f"/problems/roadmaps/{roadmap.pk}/edit/", edit)
    moved = client.post(
        f"/problems/roadmaps/{roadmap.pk}/actions/{second.pk}/move/", {"direction": "up"}
    )
    deleted = client.post(f"/problems/roadmaps/{roadmap.pk}/actions/{first.pk}/delete/")

    assert (refused.status_code, saved.status_code, moved.status_code) == (400, 302, 302)
    assert deleted.status_code == 302
    roadmap.refresh_from_db()
    assert (roadmap.status, roadmap.is_public) == ("active", True)
    assert list(roadmap.actions.values_list("title", flat=True)) == ["Второе"]
    page = client.get(f"/problems/roadmaps/{roadmap.pk}/").content.decode()
    assert f"/public/roadmaps/{roadmap.public_key}/" in page
