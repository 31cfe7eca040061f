"""Scheduled publishing against local fakes of VK, OK and Telegram: approval first, each post
out exactly once even when the worker dies between the network's answer and our record of it,
retries with backoff on transient errors, a stop on permanent ones."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.personas import NOW, World
from tests.publishing.fakes import VK_TOKEN, FakeOk, FakeTelegram, FakeVkWall
from veche.cases.errors import CaseError, ErrorCode
from veche.publishing import services
from veche.publishing.connectors import connector_for
from veche.publishing.models import OfficialPage, Post, Publication
from veche.publishing.services import (
    BACKOFF,
    MAX_ATTEMPTS,
    STALE_AFTER,
    approve_post,
    plan_post,
    publish_due,
    refresh_stats,
    resolve_uncertain,
)

TEXT = "Плановое отключение горячей воды 25 ноября: ул. Ленина, 1–15."


class Killed(BaseException):
    """The worker process dies here (not an Exception: nothing may catch it)."""


def approved(world: World, page: OfficialPage, *, at: datetime = NOW, text: str = TEXT) -> Post:
    post = plan_post(page, text=text, scheduled_at=at, by=world.operator, now=NOW)
    return approve_post(post, by=world.head, now=NOW)


def outcomes(post: Post) -> list[str]:
    return list(post.publications.values_list("outcome", flat=True))


def test_an_approved_post_goes_out_once_at_its_time(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall
) -> None:
    post = approved(world, vk_page, at=NOW + timedelta(hours=1))
    assert publish_due(now=NOW) == 0
    assert fake_vk.posts == []
    assert publish_due(now=NOW + timedelta(hours=1)) == 1
    assert publish_due(now=NOW + timedelta(hours=2)) == 0
    post.refresh_from_db()
    assert [p["text"] for p in fake_vk.posts] == [TEXT]
    assert fake_vk.posts[0]["guid"] == str(post.marker)
    assert post.state == Post.State.PUBLISHED
    assert post.remote_id == str(fake_vk.posts[0]["id"])
    assert post.remote_url == f"https://vk.com/wall-{vk_page.remote_id}_{post.remote_id}"
    assert post.published_at == NOW + timedelta(hours=1)
    assert outcomes(post) == [Publication.Outcome.PUBLISHED]


def test_a_draft_is_not_published(world: World, vk_page: OfficialPage, fake_vk: FakeVkWall) -> None:
    post = plan_post(vk_page, text=TEXT, scheduled_at=NOW, by=world.operator, now=NOW)
    assert publish_due(now=NOW + timedelta(days=1)) == 0
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT
    assert fake_vk.posts == []


def test_only_a_lead_approves_and_only_the_municipality_plans(
    world: World, vk_page: OfficialPage
) -> None:
    with pytest.raises(CaseError) as planned:
        plan_post(vk_page, text=TEXT, scheduled_at=NOW, by=world.neighbour_operator, now=NOW)
    assert planned.value.code == ErrorCode.FORBIDDEN
    post = plan_post(vk_page, text=TEXT, scheduled_at=NOW, by=world.operator, now=NOW)
    with pytest.raises(CaseError) as approving:
        approve_post(post, by=world.operator, now=NOW)
    assert approving.value.code == ErrorCode.FORBIDDEN
    approve_post(post, by=world.head, now=NOW)
    with pytest.raises(CaseError) as twice:
        approve_post(post, by=world.head, now=NOW)
    assert twice.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    post.refresh_from_db()
    assert (post.state, post.approved_by) == (Post.State.APPROVED, world.head)


@pytest.mark.parametrize("network", ["vk", "ok"])
def test_worker_killed_after_posting_publishes_once_on_restart(
    world: World,
    network: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page: OfficialPage = request.getfixturevalue(f"{network}_page")
    fake: FakeVkWall | FakeOk = request.getfixturevalue(f"fake_{network}")
    post = approved(world, page)

    def killed(*args: Any, **kwargs: Any) -> bool:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(services, "_finish", killed)
        with pytest.raises(Killed):
            publish_due(now=NOW)
    post.refresh_from_db()
    assert len(fake.posts) == 1
    assert post.state == Post.State.PUBLISHING
    # A fresh claim is left alone: its worker may still be alive.
    assert publish_due(now=NOW + STALE_AFTER - timedelta(seconds=1)) == 0
    # The restarted worker takes it back, finds it on the page and does not post again.
    assert publish_due(now=NOW + STALE_AFTER + timedelta(seconds=1)) == 1
    post.refresh_from_db()
    assert len(fake.posts) == 1
    assert post.state == Post.State.PUBLISHED
    assert post.remote_id == str(fake.posts[0]["id"])
    assert post.attempts == 2
    assert outcomes(post) == [Publication.Outcome.UNCERTAIN, Publication.Outcome.FOUND]


@pytest.mark.parametrize("network", ["vk", "ok"])
def test_worker_killed_before_posting_posts_on_restart(
    world: World,
    network: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page: OfficialPage = request.getfixturevalue(f"{network}_page")
    fake: FakeVkWall | FakeOk = request.getfixturevalue(f"fake_{network}")
    post = approved(world, page)
    connector = connector_for(page.network)

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(type(connector), "send", killed)
        with pytest.raises(Killed):
            publish_due(now=NOW)
    assert fake.posts == []
    assert publish_due(now=NOW + STALE_AFTER + timedelta(seconds=1)) == 1
    post.refresh_from_db()
    assert len(fake.posts) == 1
    assert (post.state, post.remote_id) == (Post.State.PUBLISHED, str(fake.posts[0]["id"]))
    assert outcomes(post) == [Publication.Outcome.UNCERTAIN, Publication.Outcome.PUBLISHED]


def test_a_lost_answer_is_looked_up_not_reposted(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall
) -> None:
    post = approved(world, vk_page)
    fake_vk.lose_answers = 1
    assert publish_due(now=NOW) == 0
    post.refresh_from_db()
    assert (post.state, post.may_be_out) == (Post.State.APPROVED, True)
    assert post.next_attempt_at == NOW + BACKOFF
    assert publish_due(now=NOW + BACKOFF) == 1
    post.refresh_from_db()
    assert len(fake_vk.posts) == 1
    assert (post.state, post.may_be_out) == (Post.State.PUBLISHED, False)
    assert outcomes(post) == [Publication.Outcome.RETRY, Publication.Outcome.FOUND]


def test_transient_errors_are_retried_with_growing_backoff(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall
) -> None:
    post = approved(world, vk_page)
    fake_vk.errors = [(10, "Internal server error"), (6, "Too many requests per second")]
    assert publish_due(now=NOW) == 0
    post.refresh_from_db()
    assert post.next_attempt_at == NOW + BACKOFF
    assert publish_due(now=NOW + BACKOFF - timedelta(seconds=1)) == 0
    assert publish_due(now=NOW + BACKOFF) == 0
    post.refresh_from_db()
    assert post.next_attempt_at == NOW + BACKOFF + 2 * BACKOFF
    assert "Too many requests" in post.error
    assert publish_due(now=NOW + 3 * BACKOFF) == 1
    assert len(fake_vk.posts) == 1
    post.refresh_from_db()
    assert (post.state, post.attempts, post.error) == (Post.State.PUBLISHED, 3, "")


def test_a_network_down_fails_after_the_last_attempt(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall
) -> None:
    post = approved(world, vk_page)
    fake_vk.down = True
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        publish_due(now=moment)
        moment += timedelta(days=1)
    post.refresh_from_db()
    assert (post.state, post.attempts) == (Post.State.FAILED, MAX_ATTEMPTS)
    assert "500" in post.error
    fake_vk.down = False
    assert publish_due(now=moment) == 0
    assert fake_vk.posts == []


def test_a_refused_token_stops_at_once_and_is_not_shown(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUB_VK_TOKEN", "wrong-token")
    post = approved(world, vk_page)
    assert publish_due(now=NOW) == 0
    post.refresh_from_db()
    assert (post.state, post.attempts) == (Post.State.FAILED, 1)
    assert "authorization failed" in post.error
    assert "wrong-token" not in post.error and VK_TOKEN not in post.error


def test_telegram_post_goes_to_the_channel(
    world: World, tg_page: OfficialPage, fake_tg: FakeTelegram
) -> None:
    post = approved(world, tg_page)
    fake_tg.errors = [(429, "Too Many Requests: retry after 5")]
    assert publish_due(now=NOW) == 0
    assert publish_due(now=NOW + BACKOFF) == 1
    post.refresh_from_db()
    assert [m["text"] for m in fake_tg.posts] == [TEXT]
    assert post.remote_url == f"https://t.me/demo_admin/{fake_tg.posts[0]['message_id']}"


def test_telegram_killed_mid_way_waits_for_a_person_not_a_second_copy(
    world: World, tg_page: OfficialPage, fake_tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = approved(world, tg_page)

    def killed(*args: Any, **kwargs: Any) -> bool:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(services, "_finish", killed)
        with pytest.raises(Killed):
            publish_due(now=NOW)
    assert publish_due(now=NOW + STALE_AFTER + timedelta(minutes=1)) == 0
    assert publish_due(now=NOW + timedelta(days=1)) == 0
    post.refresh_from_db()
    assert post.state == Post.State.UNCERTAIN
    assert len(fake_tg.posts) == 1
    resolve_uncertain(post, published=True, by=world.head, now=NOW + timedelta(days=1))
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED
    assert len(fake_tg.posts) == 1


def test_two_workers_cannot_both_claim_a_post(world: World, vk_page: OfficialPage) -> None:
    post = approved(world, vk_page)
    first = services._claim(post.pk, now=NOW)
    second = services._claim(post.pk, now=NOW + timedelta(seconds=5))
    assert first is not None and second is None


def test_stats_come_from_the_network(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall
) -> None:
    post = approved(world, vk_page)
    publish_due(now=NOW)
    fake_vk.posts[0].update(
        views={"count": 1520}, likes={"count": 41}, reposts={"count": 7}, comments={"count": 12}
    )
    assert refresh_stats(vk_page, now=NOW + timedelta(hours=3)) == 1
    post.refresh_from_db()
    assert (post.views, post.likes, post.reposts, post.comments) == (1520, 41, 7, 12)
    assert post.engagement == 60


def test_ok_stats_and_signature(world: World, ok_page: OfficialPage, fake_ok: FakeOk) -> None:
    post = approved(world, ok_page)
    assert publish_due(now=NOW) == 1
    fake_ok.posts[0]["like_summary"] = {"count": 9}
    fake_ok.posts[0]["discussion_summary"] = {"comments_count": 2}
    refresh_stats(ok_page, now=NOW)
    post.refresh_from_db()
    assert (post.likes, post.comments, post.remote_id) == (9, 2, fake_ok.posts[0]["id"])


def test_telegram_lost_answer_waits_for_a_person(
    world: World, tg_page: OfficialPage, fake_tg: FakeTelegram
) -> None:
    post = approved(world, tg_page)
    fake_tg.lose_answers = 1
    assert publish_due(now=NOW) == 0
    assert publish_due(now=NOW + BACKOFF) == 0
    post.refresh_from_db()
    assert post.state == Post.State.UNCERTAIN
    assert len(fake_tg.posts) == 1
    resolve_uncertain(post, published=False, by=world.head, now=NOW + BACKOFF)
    assert publish_due(now=NOW + BACKOFF) == 1
    assert len(fake_tg.posts) == 2  # the person said it was not there: sent again on purpose


def test_a_refused_connection_is_retried_without_looking(
    world: World, tg_page: OfficialPage, fake_tg: FakeTelegram
) -> None:
    post = approved(world, tg_page)
    url = tg_page.api_url
    OfficialPage.objects.filter(pk=tg_page.pk).update(api_url="http://127.0.0.1:9")
    assert publish_due(now=NOW) == 0
    post.refresh_from_db()
    assert (post.state, post.may_be_out) == (Post.State.APPROVED, False)
    OfficialPage.objects.filter(pk=tg_page.pk).update(api_url=url)
    assert publish_due(now=NOW + BACKOFF) == 1
    assert len(fake_tg.posts) == 1
