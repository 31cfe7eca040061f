"""The demo's official pages and content plan, its watched information field with alerts, and
resident participation: a poll on the pits road map and a moderated public discussion."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from veche.demo.builder import DemoResult, build_demo
from veche.monitoring.models import Alert, Mention, MonitoredSource
from veche.org.models import User
from veche.participation.models import Answer, Ballot, Comment, Discussion, Poll
from veche.participation.results import poll_results
from veche.publishing.checks import missing_mandatory, page_checks
from veche.publishing.models import OfficialPage, Post, PostTemplate, Publication

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo() -> DemoResult:
    return build_demo(cases=300, seed=7, now=NOW)


def test_official_pages_with_a_content_plan_and_checks_to_show(demo: DemoResult) -> None:
    pages = OfficialPage.objects.filter(municipality=demo.municipality)
    assert sorted(pages.values_list("network", flat=True)) == ["ok", "telegram", "vk", "vk"]
    assert all(page.owner is not None for page in pages)
    posts = Post.objects.filter(page__municipality=demo.municipality)
    published = posts.filter(state=Post.State.PUBLISHED)
    assert published.count() >= 20
    assert not published.filter(published_at__gt=NOW).exists()
    assert Publication.objects.filter(post__in=published).count() == published.count()
    assert set(published.values_list("remote_id", flat=True)) != {""}
    planned = posts.filter(state=Post.State.APPROVED)
    assert planned.count() >= 3 and not planned.filter(scheduled_at__lte=NOW).exists()
    assert posts.filter(state=Post.State.DRAFT).count() >= 1
    assert not posts.filter(state__in=[Post.State.PUBLISHING, Post.State.FAILED]).exists()

    checks = page_checks(pages, now=NOW)
    assert len(checks) == 4
    assert sum(1 for c in checks if c.gaps) == 1  # the institution's page lacks its profile
    assert any(c.below_norm for c in checks)  # the OK page fell behind
    templates = PostTemplate.objects.filter(municipality=demo.municipality)
    assert templates.filter(from_region=True).count() >= 1
    mandatory = templates.get(is_mandatory=True)
    assert mandatory.due_at is not None
    gaps = missing_mandatory(templates, now=NOW)
    assert [gap.page.network for gap in gaps] == ["ok"]


def test_watched_sources_mentions_and_alerts(demo: DemoResult) -> None:
    sources = MonitoredSource.objects.filter(municipality=demo.municipality)
    assert sorted(sources.values_list("kind", flat=True)) == ["rss", "telegram", "vk"]
    assert not sources.filter(is_active=True).exists()  # the demo never fetches
    mentions = Mention.objects.filter(municipality=demo.municipality)
    assert mentions.count() >= 15
    assert all(m.places or m.keywords for m in mentions)
    assert mentions.filter(repost_of__isnull=False).count() == 1
    assert not mentions.filter(published_at__gt=NOW).exists()

    spikes = Alert.objects.filter(municipality=demo.municipality, kind=Alert.Kind.SPIKE)
    open_spike = spikes.get(handled_at__isnull=True)
    assert "ул. Садовая" in open_spike.subject and open_spike.evidence.count() >= 5
    handled = spikes.filter(handled_at__isnull=False)
    assert handled.exists()
    assert all(a.response and a.handled_by is not None for a in handled)


def test_a_poll_on_the_road_map_and_a_moderated_discussion(demo: DemoResult) -> None:
    poll = Poll.objects.get(municipality=demo.municipality)
    assert poll.title == "Какой участок ремонтировать следующим?"
    assert poll.status == Poll.Status.OPEN and poll.confirmation == Poll.Confirmation.EMAIL
    assert poll.roadmap is not None
    assert poll.roadmap.title == "Ремонт участка ул. Ленина у дома 20"
    ballots = Ballot.objects.filter(poll=poll)
    assert ballots.count() >= 30
    assert not ballots.filter(voter__confirmed_at__isnull=True).exists()
    assert poll.voters.filter(confirmed_at__isnull=True).exists()  # asked, never came back
    assert Answer.objects.filter(ballot__poll=poll, choice__isnull=False).count() == len(ballots)
    results = poll_results(poll)
    assert results.ballots == len(ballots) and results.flagged == 0
    counts = [c.count for c in results.questions[0].choices]
    assert len(counts) == 4 and sum(counts) == len(ballots) and min(counts) >= 1

    discussion = Discussion.objects.get(municipality=demo.municipality)
    assert discussion.opens_at <= NOW < discussion.closes_at
    comments = Comment.objects.filter(discussion=discussion)
    assert comments.filter(state=Comment.State.PUBLISHED).count() >= 3
    assert comments.filter(state=Comment.State.PENDING).count() == 1


def test_the_staff_pages_show_it_to_the_head(demo: DemoResult) -> None:
    client = Client()
    client.force_login(User.objects.get(username="head"))
    for url in (
        "/publishing/",
        "/publishing/plan/",
        "/publishing/checks/",
        "/monitoring/",
        "/monitoring/alerts/",
        "/monitoring/sources/",
        "/participation/",
        "/participation/discussions/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Какой участок ремонтировать следующим?" in client.get("/participation/").text


def test_reset_rebuilds_it(demo: DemoResult) -> None:
    counts = (Post.objects.count(), Mention.objects.count(), Ballot.objects.count())
    build_demo(cases=300, seed=7, now=NOW, reset=True)
    assert (Post.objects.count(), Mention.objects.count(), Ballot.objects.count()) == counts
    assert OfficialPage.objects.count() == 4 and Poll.objects.count() == 1
