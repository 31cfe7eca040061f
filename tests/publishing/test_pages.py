"""The publishing pages: the register with checks, the month plan, a post's approval through
the page, the checks page with «в обращение»; visibility and malformed requests."""

from django.test import Client
from django.utils import timezone

from tests.personas import PASSWORD, World
from veche.publishing.models import OfficialPage, Post
from veche.publishing.services import plan_post


def client(user: str) -> Client:
    c = Client()
    assert c.login(username=user, password=PASSWORD)
    return c


def test_register_shows_pages_and_their_checks(world: World, vk_page: OfficialPage) -> None:
    answer = client("operator").get("/publishing/")
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Администрация Демо" in body
    assert "молчит" in body and "не хватает: 8" in body
    other = client("neighbour_operator").get("/publishing/")
    assert "Администрация Демо" not in other.content.decode()


def test_plan_then_approve_through_the_pages(world: World, vk_page: OfficialPage) -> None:
    operator = client("operator")
    answer = operator.post(
        "/publishing/posts/new/",
        {
            "page": vk_page.pk,
            "text": "<b>Субботник</b> в сквере",
            "scheduled_at": "2026-12-10T10:30",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    post = Post.objects.get()
    assert post.scheduled_at.isoformat() == "2026-12-10T07:30:00+00:00"  # Moscow time
    assert post.state == Post.State.DRAFT
    detail = operator.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert "&lt;b&gt;Субботник&lt;/b&gt;" in detail and "Согласовать" not in detail
    assert operator.post(f"/publishing/posts/{post.pk}/approve/").status_code == 302
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT  # the operator may not approve
    head = client("head")
    assert "Согласовать" in head.get(f"/publishing/posts/{post.pk}/").content.decode()
    head.post(f"/publishing/posts/{post.pk}/approve/")
    post.refresh_from_db()
    assert (post.state, post.approved_by) == (Post.State.APPROVED, world.head)
    plan = head.get("/publishing/plan/?month=2026-12").content.decode()
    assert "10:30 Администрация Демо" in plan and "согласован" in plan


def test_malformed_requests_get_a_message_not_a_500(world: World, vk_page: OfficialPage) -> None:
    operator = client("operator")
    bad = operator.post(
        "/publishing/posts/new/", {"page": vk_page.pk, "text": "", "scheduled_at": "завтра"}
    )
    assert bad.status_code == 400
    assert operator.get("/publishing/plan/?month=2026-13").status_code == 200
    assert operator.get("/publishing/plan/?month=abc").status_code == 200
    assert operator.get("/publishing/posts/99999/").status_code == 404
    post = plan_post(
        vk_page, text="x", scheduled_at=timezone.now(), by=world.operator, now=timezone.now()
    )
    assert operator.post(f"/publishing/posts/{post.pk}/resolve/").status_code == 400
    assert client("neighbour_operator").get(f"/publishing/posts/{post.pk}/").status_code == 404
    foreign = client("neighbour_operator").post(
        "/publishing/posts/new/",
        {"page": vk_page.pk, "text": "x", "scheduled_at": "2026-12-10T10:30"},
    )
    assert foreign.status_code == 400
    assert Post.objects.count() == 1
    assert client("observer").post("/publishing/posts/new/", {}).status_code == 403


def test_checks_page_lists_what_is_wrong(world: World, vk_page: OfficialPage) -> None:
    body = client("head").get("/publishing/checks/").content.decode()
    assert "Администрация Демо" in body
    assert "постов не было" in body
    assert "Все комментарии отвечены." in body
