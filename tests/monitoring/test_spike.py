"""Spike detection on a generated stream of mentions with a planted spike: the background talk
about a subject is a Poisson stream (2 mentions an hour for 8 days), then the spike (20 an
hour for 2 hours). The detector runs on the schedule a source is read on (every 10 minutes);
the detection delay is the time from the spike's start to the first alarm, printed and held
under 40 minutes, with no alarm on the background before it or in 30 days of background.
"""

import io
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.monitoring.fakes import VK_TOKEN, FakeVkWall
from tests.personas import World
from veche.monitoring.models import Alert, MonitoredSource, SourceKind
from veche.monitoring.risk import SpikeRule, detect_spike
from veche.monitoring.services import fetch_source
from veche.triage.gazetteer import DEMO_GAZETTEER
from veche.triage.gazetteer_store import import_gazetteer

START = datetime(2026, 11, 15, 0, 0, tzinfo=UTC)
SPIKE_AT = START + timedelta(days=8, hours=13, minutes=7)
STEP = timedelta(minutes=10)


def poisson_times(
    rng: random.Random, start: datetime, end: datetime, per_hour: float
) -> list[datetime]:
    times: list[datetime] = []
    at = start
    while True:
        at += timedelta(hours=rng.expovariate(per_hour))
        if at >= end:
            return times
        times.append(at)


def stream(seed: int) -> list[datetime]:
    rng = random.Random(seed)
    background = poisson_times(rng, START, SPIKE_AT + timedelta(hours=2), 2.0)
    spike = poisson_times(rng, SPIKE_AT, SPIKE_AT + timedelta(hours=2), 20.0)
    return sorted(background + spike)


def first_alarm(times: list[datetime], rule: SpikeRule) -> datetime | None:
    at = START + rule.baseline + rule.longest
    while at <= SPIKE_AT + timedelta(hours=2):
        if detect_spike([t for t in times if t <= at], now=at, rule=rule) is not None:
            return at
        at += STEP
    return None


@pytest.mark.parametrize("seed", range(10))
def test_a_planted_spike_is_found_within_forty_minutes(seed: int, capsys: Any) -> None:
    alarm = first_alarm(stream(seed), SpikeRule())
    assert alarm is not None
    assert alarm >= SPIKE_AT, f"false alarm on the background at {alarm}"
    delay = alarm - SPIKE_AT
    with capsys.disabled():
        sys.stdout.write(
            f"\nseed {seed}: spike at {SPIKE_AT:%H:%M}, detected at {alarm:%H:%M}, delay {delay}\n"
        )
    assert delay <= timedelta(minutes=40)


def test_the_background_alone_raises_no_alarm() -> None:
    rng = random.Random(7)
    times = poisson_times(rng, START, START + timedelta(days=37), 2.0)
    at, alarms = START + timedelta(days=7), 0
    while at <= START + timedelta(days=37):
        alarms += detect_spike([t for t in times if t <= at], now=at) is not None
        at += STEP
    assert alarms == 0


def test_a_few_posts_on_a_quiet_subject_are_not_a_spike() -> None:
    now = START + timedelta(days=8)
    assert detect_spike([now - timedelta(minutes=m) for m in range(4)], now=now) is None
    assert detect_spike([now - timedelta(minutes=m) for m in range(6)], now=now) is not None


def test_a_spike_of_talk_about_a_street_raises_one_alert_with_its_evidence(
    world: World, vk: FakeVkWall, django_capture_on_commit_callbacks: Any
) -> None:
    import_gazetteer(world.municipality, io.BytesIO(DEMO_GAZETTEER.read_bytes()))
    source = MonitoredSource.objects.create(
        municipality=world.municipality, kind=SourceKind.VK, name="Стена", address="-1",
        config={"token": VK_TOKEN, "api_url": vk.url},
    )  # fmt: skip
    now = START + timedelta(days=8)
    for n in range(6):
        vk.post(-1, n + 1, f"На улице Гагарина снова сугробы, {n}", now - timedelta(minutes=5 * n))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            fetch_source(
                MonitoredSource.objects.select_related("municipality").get(pk=source.pk), now=now
            )
    alert = Alert.objects.get(kind=Alert.Kind.SPIKE)
    assert alert.subject == "место: г. Краснолесск, ул. Гагарина"
    assert alert.evidence.count() == 6
    assert "6 публикаций за 30 мин" in alert.summary
