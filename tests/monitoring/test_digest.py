"""The daily digest of the information field: once a day, after the digest hour in the
municipality's zone, to its head (not to executors), with the day's talk, the riskiest
mentions and the open alerts; never twice a day."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from tests.personas import World
from veche.monitoring.digest import send_field_digests
from veche.monitoring.models import Alert, FieldDigest, Mention, MonitoredSource, SourceKind
from veche.monitoring.tasks import fetch_due_sources_task, send_field_digests_task

# 09:00 UTC is 12:00 in Moscow (the demo municipality's zone), after the 8 o'clock digest hour.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def field(world: World) -> MonitoredSource:
    world.head.email = "head@example.org"
    world.head.save()
    world.housing_executor.email = "exec@example.org"
    world.housing_executor.save()
    source = MonitoredSource.objects.create(
        municipality=world.municipality, kind=SourceKind.RSS, name="Вести", address="http://x"
    )
    for n, (text, risk) in enumerate([("Яма на Ленина", 0.3), ("Позор! Нет воды на Мира", 0.9)]):
        Mention.objects.create(
            municipality=world.municipality, source=source, external_id=str(n),
            url=f"https://vesti.example/{n}", text=text, published_at=NOW - timedelta(hours=3),
            found_at=NOW, snapshot_at=NOW, content_hash=str(n), risk=risk, negativity=risk,
        )  # fmt: skip
    Alert.objects.create(
        municipality=world.municipality, kind=Alert.Kind.SPIKE, level=Alert.Level.WARNING,
        subject="место: г. Краснолесск, ул. Мира", summary="Всплеск обсуждения", created_at=NOW,
    )  # fmt: skip
    return source


def test_the_head_gets_one_digest_a_day(world: World, field: MonitoredSource) -> None:
    assert send_field_digests(now=NOW) == 1
    (letter,) = mail.outbox
    assert letter.to == ["head@example.org"]
    assert letter.subject == "Вече: инфополе на 23.11.2026"
    assert "публикаций 2, репостов 0, негативных 1" in letter.body
    assert letter.body.index("Позор! Нет воды на Мира") < letter.body.index("Яма на Ленина")
    assert "Неотработанные сигналы (1)" in letter.body
    assert send_field_digests(now=NOW + timedelta(hours=3)) == 0
    assert FieldDigest.objects.get().user == world.head
    assert send_field_digests(now=NOW + timedelta(days=1)) == 1


def test_no_digest_before_the_digest_hour(world: World, field: MonitoredSource) -> None:
    assert send_field_digests(now=datetime(2026, 11, 23, 4, 0, tzinfo=UTC)) == 0  # 07:00 local
    assert mail.outbox == []


def test_the_periodic_tasks_run_their_services(world: World, field: MonitoredSource) -> None:
    MonitoredSource.objects.filter(pk=field.pk).update(is_active=False)
    assert fetch_due_sources_task.call_local() == 0
    assert send_field_digests_task.call_local() == 0  # no active source, no field to report
