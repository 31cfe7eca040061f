"""The checks of official pages: silence and the weekly norm, mandatory content, profile
completeness, unanswered comments (collected from a local fake of VK) and their way into the
inbox as cases."""

from datetime import timedelta

import pytest

from tests.personas import NOW, World
from tests.publishing.fakes import FakeVkWall
from veche.cases.errors import CaseError, ErrorCode
from veche.cases.models import Case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel
from veche.intake.models import Source
from veche.publishing.checks import missing_mandatory, page_checks, profile_gaps
from veche.publishing.comments import collect_comments, comment_to_case, unanswered_comments
from veche.publishing.models import OfficialPage, Post, PostTemplate
from veche.publishing.selectors import target_pages
from veche.publishing.services import approve_post, plan_from_template, plan_post, publish_due


def published(world: World, page: OfficialPage, *, days_ago: float, text: str = "Новость") -> Post:
    at = NOW - timedelta(days=days_ago)
    post = plan_post(page, text=text, scheduled_at=at, by=world.operator, now=at)
    approve_post(post, by=world.head, now=at)
    publish_due(now=at)
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED
    return post


def test_profile_gaps_follow_the_rules(world: World, vk_page: OfficialPage) -> None:
    assert profile_gaps(vk_page) == [
        "отметка «Госорганизация»",
        "описание деятельности",
        "телефон",
        "адрес",
        "часы работы",
        "аватар",
        "обложка",
        "виджеты ЕПГУ/ПОС",
    ]
    vk_page.is_verified = vk_page.has_avatar = vk_page.has_cover = vk_page.has_widgets = True
    vk_page.description, vk_page.phone = "Администрация округа", "+7 3452 00-00-00"
    vk_page.address, vk_page.hours = "ул. Ленина, 1", "пн–пт 9–18"
    assert profile_gaps(vk_page) == []


def test_a_silent_page_and_one_below_the_weekly_norm_are_flagged(
    world: World, vk_page: OfficialPage, tg_page: OfficialPage
) -> None:
    for days in (1, 2.5, 4):
        published(world, vk_page, days_ago=days)
    published(world, tg_page, days_ago=5)
    checks = {c.page.pk: c for c in page_checks(OfficialPage.objects.all(), now=NOW)}
    vk, tg = checks[vk_page.pk], checks[tg_page.pk]
    assert (vk.silent_days, vk.silent, vk.posts_week, vk.below_norm) == (1, False, 3, False)
    assert (tg.silent_days, tg.silent, tg.posts_week, tg.below_norm) == (5, True, 1, True)
    tg_page.max_silence_days = 5
    tg_page.save()
    checks = {c.page.pk: c for c in page_checks(OfficialPage.objects.all(), now=NOW)}
    assert checks[tg_page.pk].silent is False


def test_a_page_that_never_posted_is_silent(world: World, vk_page: OfficialPage) -> None:
    [check] = page_checks(OfficialPage.objects.all(), now=NOW)
    assert (check.last_post_at, check.silent, check.ok) == (None, True, False)


def test_mandatory_content_missing_or_late_is_listed(
    world: World, vk_page: OfficialPage, tg_page: OfficialPage
) -> None:
    vk_page.topics.add(world.topic_heating)
    template = PostTemplate.objects.create(
        municipality=world.municipality,
        title="Отопительный сезон",
        text="Об отопительном сезоне 2026/27",
        from_region=True,
        is_mandatory=True,
        due_at=NOW - timedelta(days=1),
    )
    template.topics.add(world.topic_heating)
    assert target_pages(template) == [vk_page]
    [gap] = missing_mandatory(PostTemplate.objects.all(), now=NOW)
    assert (gap.page, gap.post, gap.late) == (vk_page, None, False)
    [post] = plan_from_template(template, scheduled_at=NOW, by=world.operator, now=NOW)
    assert plan_from_template(template, scheduled_at=NOW, by=world.operator, now=NOW) == []
    approve_post(post, by=world.head, now=NOW)
    publish_due(now=NOW)
    [gap] = missing_mandatory(PostTemplate.objects.all(), now=NOW)
    assert gap.late is True
    PostTemplate.objects.filter(pk=template.pk).update(due_at=NOW + timedelta(hours=1))
    assert missing_mandatory(PostTemplate.objects.all(), now=NOW + timedelta(hours=2)) == []


@pytest.fixture
def vk_source(world: World, vk_page: OfficialPage) -> Source:
    source = Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.VK),
        name="Сообщество администрации",
        config={"group_id": int(vk_page.remote_id)},
    )
    OfficialPage.objects.filter(pk=vk_page.pk).update(intake_source=source)
    return source


def test_unanswered_comments_are_found_and_become_one_case(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall, vk_source: Source
) -> None:
    post = published(world, vk_page, days_ago=1)
    day = int((NOW - timedelta(hours=20)).timestamp())
    waiting = fake_vk.comment(
        int(post.remote_id), 555, "Когда дадут горячую воду на Ленина 5?", date=day
    )
    answered = fake_vk.comment(int(post.remote_id), 556, "Спасибо!", date=day)
    fresh = fake_vk.comment(int(post.remote_id), 557, "А у нас?", date=int(NOW.timestamp()))
    fake_vk.comment(int(post.remote_id), -1, "другое сообщество", date=day)
    fake_vk.reply(answered, "Пожалуйста!")
    vk_page.refresh_from_db()
    assert collect_comments(vk_page, now=NOW) == 3
    assert collect_comments(vk_page, now=NOW) == 0
    [late] = unanswered_comments(OfficialPage.objects.all(), now=NOW)
    assert (late.remote_id, late.author) == (str(waiting["id"]), "555")
    assert fresh["id"]
    case = comment_to_case(late, by=world.operator, now=NOW)
    assert comment_to_case(late, by=world.operator, now=NOW) == case
    assert Case.objects.count() == 1
    assert case.regime == Regime.INCIDENT
    assert case.text == "Когда дадут горячую воду на Ленина 5?"
    assert list(unanswered_comments(OfficialPage.objects.all(), now=NOW)) == []
    delivery = case.deliveries.get()
    assert delivery.external_id == f"wall-{vk_page.remote_id}_{post.remote_id}_c{waiting['id']}"


def test_a_comment_becomes_a_case_only_for_the_municipality(
    world: World, vk_page: OfficialPage, fake_vk: FakeVkWall, vk_source: Source
) -> None:
    post = published(world, vk_page, days_ago=1)
    fake_vk.comment(int(post.remote_id), 555, "Вопрос", date=int(NOW.timestamp()) - 86400)
    vk_page.refresh_from_db()
    collect_comments(vk_page, now=NOW)
    [comment] = unanswered_comments(OfficialPage.objects.all(), now=NOW)
    with pytest.raises(CaseError) as refused:
        comment_to_case(comment, by=world.neighbour_operator, now=NOW)
    assert refused.value.code == ErrorCode.FORBIDDEN
    assert Case.objects.count() == 0
