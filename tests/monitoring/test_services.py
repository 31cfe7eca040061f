"""Fetching a source end to end against the fake VK wall: what becomes a mention (places of the
gazetteer and watched words in any word form), reposts, the refreshed reach, risk alerts to
the head and the МЦУ, «отработано», a case from a mention, failures with backoff."""

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail

from tests.monitoring.fakes import VK_TOKEN, FakeVkWall
from tests.personas import World
from veche.cases.errors import CaseError
from veche.cases.models import Case
from veche.cases.workflow import Regime
from veche.deadlines.models import Notification
from veche.monitoring.alerts import mark_handled
from veche.monitoring.incidents import create_case_from_mention
from veche.monitoring.models import Alert, Mention, MonitoredSource, SourceKind
from veche.monitoring.services import add_watch_word, claim_due_sources, fetch_source
from veche.triage.gazetteer import DEMO_GAZETTEER
from veche.triage.gazetteer_store import import_gazetteer

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WALL = -555


@pytest.fixture
def source(world: World, vk: FakeVkWall) -> MonitoredSource:
    import_gazetteer(world.municipality, io.BytesIO(DEMO_GAZETTEER.read_bytes()))
    add_watch_word(world.municipality, "свалка")
    return MonitoredSource.objects.create(
        municipality=world.municipality,
        kind=SourceKind.VK,
        name="Подслушано Краснолесск",
        address=str(WALL),
        config={"token": VK_TOKEN, "api_url": vk.url},
        schedule_minutes=30,
    )


def run(source: MonitoredSource, now: datetime, capture: Any) -> int:
    fresh = MonitoredSource.objects.select_related("municipality").get(pk=source.pk)
    with capture(execute=True):
        return fetch_source(fresh, now=now)


def test_only_posts_about_the_municipality_become_mentions(
    source: MonitoredSource, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    vk.post(WALL, 1, "На улице Мира третий день нет воды", NOW - timedelta(hours=2), views=40)
    vk.post(WALL, 2, "Продам велосипед, недорого", NOW - timedelta(hours=1))
    vk.post(WALL, 3, "Кто убирает свалки за гаражами?", NOW - timedelta(minutes=30))
    assert run(source, NOW, django_capture_on_commit_callbacks) == 2
    found = {m.external_id: m for m in Mention.objects.all()}
    assert sorted(found) == [f"wall{WALL}_1", f"wall{WALL}_3"]
    assert found[f"wall{WALL}_1"].places == ["г. Краснолесск, ул. Мира"]
    assert found[f"wall{WALL}_3"].keywords == ["свалка"]
    source.refresh_from_db()
    assert source.last_success_at == NOW
    assert source.next_run_at == NOW + timedelta(minutes=30)


def test_a_second_run_refreshes_the_reach_and_records_nothing_twice(
    source: MonitoredSource, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    vk.post(WALL, 1, "Опять яма на улице Ленина", NOW - timedelta(hours=1), views=100)
    run(source, NOW, django_capture_on_commit_callbacks)
    first = Mention.objects.get()
    vk.post(WALL, 1, "Опять яма на улице Ленина", NOW - timedelta(hours=1), views=4100, reposts=30)
    assert run(source, NOW + timedelta(hours=1), django_capture_on_commit_callbacks) == 0
    mention = Mention.objects.get()
    assert (mention.views, mention.views_before, mention.reposts) == (4100, 100, 30)
    assert mention.snapshot_before_at == NOW
    assert mention.risk > first.risk  # 4 000 views an hour is fast growth


def test_a_repost_points_at_the_first_mention(
    source: MonitoredSource, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    vk.post(WALL, 1, "Свалка у школы № 2! https://vk.cc/a1", NOW - timedelta(hours=2))
    vk.post(WALL, 2, "свалка у школы №2 https://vk.cc/zz", NOW - timedelta(hours=1))
    run(source, NOW, django_capture_on_commit_callbacks)
    first, copy = Mention.objects.order_by("published_at")
    assert first.repost_of is None
    assert copy.repost_of == first


def test_a_risky_post_alerts_the_head_and_the_centre_once(
    world: World, source: MonitoredSource, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    world.head.email = "head@example.org"
    world.head.save()
    text = "Позор! Полный беспредел на улице Мира, сколько можно терпеть эту свалку?!"
    vk.post(WALL, 1, text, NOW - timedelta(hours=1), views=20_000, reposts=300, comments=400)
    run(source, NOW, django_capture_on_commit_callbacks)
    alert = Alert.objects.get(kind=Alert.Kind.RISK)
    assert list(alert.evidence.all()) == list(Mention.objects.all())
    notes = Notification.objects.filter(item_key=alert.item_key)
    assert sorted(n.user.username for n in notes) == ["head", "operator"]
    assert [m.to for m in mail.outbox] == [["head@example.org"]]
    assert "Сигнал мониторинга" in mail.outbox[0].subject
    run(source, NOW + timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert Alert.objects.filter(kind=Alert.Kind.RISK).count() == 1
    assert len(mail.outbox) == 1


def test_handling_an_alert_keeps_the_response_and_settles_its_notifications(
    world: World, source: MonitoredSource, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    text = "Позор! Беспредел на улице Мира, сколько можно?!"
    vk.post(WALL, 1, text, NOW, views=50_000, reposts=500, comments=300)
    run(source, NOW, django_capture_on_commit_callbacks)
    alert = Alert.objects.get()
    with pytest.raises(CaseError, match="Опишите"):
        mark_handled(alert, response="  ", by=world.head, now=NOW)
    mark_handled(alert, response="Выехала аварийная бригада", by=world.head, now=NOW)
    alert.refresh_from_db()
    assert (alert.handled_by, alert.response) == (world.head, "Выехала аварийная бригада")
    assert not Notification.objects.filter(
        item_key=alert.item_key, settled_at__isnull=True
    ).exists()
    with pytest.raises(CaseError, match="уже отработан"):
        mark_handled(alert, response="ещё раз", by=world.head, now=NOW)


def test_a_mention_becomes_one_incident_case(
    world: World, source: MonitoredSource, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    vk.post(WALL, 1, "Во дворе на улице Ленина свалка", NOW - timedelta(hours=1))
    run(source, NOW, django_capture_on_commit_callbacks)
    mention = Mention.objects.select_related("source__municipality").get()
    case = create_case_from_mention(mention, by=world.operator, now=NOW)
    again = create_case_from_mention(
        Mention.objects.select_related("source__municipality").get(), by=world.operator, now=NOW
    )
    assert again == case
    assert Case.objects.count() == 1
    assert case.regime == Regime.INCIDENT
    assert case.channel.code == "vk"
    assert f"https://vk.com/wall{WALL}_1" in case.text
    assert Mention.objects.get().case == case


def test_a_failing_source_waits_longer_each_time(
    source: MonitoredSource, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    MonitoredSource.objects.filter(pk=source.pk).update(config={"token": "bad", "api_url": vk.url})
    assert run(source, NOW, django_capture_on_commit_callbacks) == 0
    source.refresh_from_db()
    assert (source.failures, source.next_run_at) == (1, NOW + timedelta(minutes=60))
    assert "authorization failed" in source.last_error
    assert run(source, NOW, django_capture_on_commit_callbacks) == 0
    source.refresh_from_db()
    assert (source.failures, source.next_run_at) == (2, NOW + timedelta(minutes=120))


def test_due_sources_are_claimed_once(source: MonitoredSource) -> None:
    assert claim_due_sources(NOW) == [source]
    assert claim_due_sources(NOW) == []
    assert claim_due_sources(NOW + timedelta(minutes=16)) == [source]


def test_a_watch_word_is_kept_once_per_lemma(world: World) -> None:
    first = add_watch_word(world.municipality, "Свалки")
    assert add_watch_word(world.municipality, "свалка") == first
    assert first.lemmas == "свалка"
