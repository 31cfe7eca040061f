"""Public discussions: a resident's comment waits for moderation, only published comments
are shown (escaped), a flood from one address is stopped, and only the МЦУ of the
municipality moderates."""

from datetime import timedelta

import pytest
from django.test import Client

from tests.personas import NOW, PASSWORD, World
from veche.cases.errors import CaseError, ErrorCode
from veche.participation.discussions import (
    MAX_COMMENTS_PER_IP_HOUR,
    DiscussionData,
    create_discussion,
    moderate_comment,
    post_comment,
)
from veche.participation.models import Comment, Discussion


def _discussion(world: World) -> Discussion:
    return create_discussion(
        world.municipality,
        DiscussionData(
            title="Правила благоустройства",
            document="Статья 1. Газоны не парковка.",
            opens_at=NOW - timedelta(days=1),
            closes_at=NOW + timedelta(days=3000),
        ),
        by=world.operator,
        now=NOW,
    )


def test_a_comment_is_shown_only_after_moderation(world: World) -> None:
    discussion = _discussion(world)
    url = f"/public/polls/discussions/{discussion.public_key}/"
    client = Client()
    posted = client.post(url, {"name": "Анна", "text": "<b>Против</b> пункта 3"})
    assert posted.status_code == 200 and "после проверки" in posted.content.decode()
    comment = Comment.objects.get()
    assert comment.state == Comment.State.PENDING
    assert "пункта 3" not in client.get(url).content.decode()

    staff = Client()
    staff.login(username=world.operator.username, password=PASSWORD)
    moderated = staff.post(
        f"/participation/discussions/{discussion.pk}/comments/{comment.pk}/",
        {"decision": "publish"},
    )
    assert moderated.status_code == 302
    page = client.get(url).content.decode()
    assert "&lt;b&gt;Против&lt;/b&gt; пункта 3" in page and "<b>Против" not in page


def test_an_empty_comment_is_a_400(world: World) -> None:
    discussion = _discussion(world)
    page = Client().post(
        f"/public/polls/discussions/{discussion.public_key}/", {"name": "", "text": ""}
    )
    assert page.status_code == 400 and Comment.objects.count() == 0


def test_a_flood_from_one_address_is_stopped(world: World) -> None:
    discussion = _discussion(world)
    for i in range(MAX_COMMENTS_PER_IP_HOUR):
        post_comment(discussion, author_name="Бот", text=f"спам {i}", ip="10.1.1.1", now=NOW)
    with pytest.raises(CaseError) as refused:
        post_comment(discussion, author_name="Бот", text="ещё", ip="10.1.1.1", now=NOW)
    assert refused.value.code == ErrorCode.FORBIDDEN
    post_comment(discussion, author_name="Соседка", text="по делу", ip="10.1.1.2", now=NOW)
    assert Comment.objects.count() == MAX_COMMENTS_PER_IP_HOUR + 1


def test_no_comment_after_the_close(world: World) -> None:
    discussion = _discussion(world)
    with pytest.raises(CaseError) as refused:
        post_comment(discussion, author_name="А", text="поздно", ip="", now=discussion.closes_at)
    assert refused.value.code == ErrorCode.TRANSITION_NOT_ALLOWED


def test_only_the_mcu_of_the_municipality_moderates(world: World) -> None:
    discussion = _discussion(world)
    comment = post_comment(discussion, author_name="А", text="текст", ip="", now=NOW)
    with pytest.raises(CaseError) as refused:
        moderate_comment(comment, publish=True, by=world.observer, now=NOW)
    assert refused.value.code == ErrorCode.FORBIDDEN
    neighbour = Client()
    neighbour.login(username=world.neighbour_operator.username, password=PASSWORD)
    assert neighbour.get(f"/participation/discussions/{discussion.pk}/").status_code == 404
    assert Comment.objects.get().state == Comment.State.PENDING
