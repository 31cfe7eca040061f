"""/healthz, /readyz and /metrics: unauthenticated probes, Prometheus text that parses and
agrees with the database, closed to other addresses, 503 when a dependency is down."""

import json
import math
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from tests.ops.instance import sqlite_instance
from tests.personas import World, make_case
from veche.cases.models import Case
from veche.catalog.models import Channel
from veche.deadlines.models import Clock
from veche.deadlines.services import start_clocks
from veche.intake.models import Delivery, Outbound, Source
from veche.ops import metrics

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(?:,|$)')


def parse_exposition(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """A strict little reader of the text format: HELP and TYPE before samples, labels quoted
    and escaped, values numbers; fails on anything else."""
    assert text.endswith("\n")
    families: dict[str, list[tuple[dict[str, str], float]]] = {}
    typed: set[str] = set()
    helped: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split(" ", 3)[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in {"gauge", "counter", "untyped"}
            assert name in helped and name not in typed
            typed.add(name)
            families[name] = []
            continue
        match = _SAMPLE.match(line)
        assert match, f"bad line: {line!r}"
        name, raw_labels, raw_value = match.groups()
        assert name in typed, f"sample before TYPE: {line!r}"
        labels: dict[str, str] = {}
        if raw_labels:
            consumed = "".join(m.group(0) for m in _LABEL.finditer(raw_labels))
            assert consumed == raw_labels, f"bad labels: {raw_labels!r}"
            for key, value in _LABEL.findall(raw_labels):
                labels[key] = value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        families[name].append((labels, float(raw_value)))
    return families


def _value(
    families: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str
) -> float:
    found = [v for lab, v in families[name] if all(lab.get(k) == x for k, x in labels.items())]
    return sum(found)


def test_healthz_is_plain_ok_without_login(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_readyz_reports_each_check(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok"},
    }


@pytest.mark.django_db
def test_readyz_fails_when_the_cache_is_down(client: Client) -> None:
    with override_settings(CACHES=DEAD_REDIS):
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "fail", "checks": {"database": "ok", "cache": "fail", "queue": "ok"}}
    assert "127.0.0.1:1" not in response.content.decode()  # the cause is logged, not shown


def test_readyz_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    """A real process whose database cannot be opened: 503 and «database: fail»."""
    instance = sqlite_instance(tmp_path, "nodb")
    instance.database_url = f"sqlite:///{tmp_path / 'missing-dir' / 'veche.sqlite3'}"
    probe = (
        "from django.test import Client; import json; r = Client().get('/readyz'); "
        "print(r.status_code, json.dumps(r.json()))"
    )

    result = instance.run("shell", "-c", probe)

    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body)["checks"]["database"] == "fail"


@pytest.fixture
def figures(world: World) -> dict[str, object]:
    now = timezone.now()
    cases = [make_case(world.municipality, channel="pos") for _ in range(3)]
    cases += [make_case(world.municipality, channel="email", department=world.housing)]
    cases += [
        make_case(world.neighbour, channel="telegram", received_at=now - timedelta(minutes=5))
    ]
    # Clocks start after the registration commits; these tests run in one transaction.
    assert start_clocks([case.pk for case in cases]) > 0
    source = Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code="email"),
        name='Почта "приёмной"\\',
        last_success_at=now - timedelta(seconds=300),
        failures=2,
    )
    Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code="vk"),
        name="Выключенный",
        is_active=False,
        last_success_at=now - timedelta(days=3),
    )
    Delivery.objects.create(
        source=source, external_id="m1", case=cases[3], outcome="case", received_at=now
    )
    Outbound.objects.create(
        case=cases[3], source=source, kind="receipt", text="…", state="sent", created_at=now
    )
    Outbound.objects.create(
        case=cases[0], source=source, kind="survey", text="…", state="failed", created_at=now
    )
    Outbound.objects.create(
        case=cases[1], source=source, kind="survey", text="…", state="failed", created_at=now
    )
    return {"source": source, "cases": cases, "now": now}


def test_metrics_parse_and_match_the_database(client: Client, figures: dict[str, object]) -> None:
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = parse_exposition(response.content.decode())
    assert _value(families, "veche_cases") == Case.objects.count() == 5
    assert _value(families, "veche_cases", channel="pos") == 3
    assert _value(families, "veche_cases", channel="telegram") == 1
    for status in {c.status for c in Case.objects.all()}:
        assert (
            _value(families, "veche_cases", status=status)
            == Case.objects.filter(status=status).count()
        )
    assert _value(families, "veche_cases_received_last_hour") == 1
    assert _value(families, "veche_deliveries_last_hour", channel="email") == 1
    overdue = Clock.objects.filter(state="running", due_at__lt=timezone.now()).count()
    assert _value(families, "veche_clocks_overdue") == overdue
    assert overdue > 0  # the cases were received in November: their clocks ran out
    source = figures["source"]
    assert isinstance(source, Source)
    age = _value(families, "veche_intake_source_last_success_age_seconds", source=str(source.pk))
    assert 300 <= age < 400
    assert _value(families, "veche_intake_source_failures", source=str(source.pk)) == 2
    assert len(families["veche_intake_source_failures"]) == 1  # the inactive one is left out
    assert _value(families, "veche_outbound", state="failed") == 2
    assert _value(families, "veche_outbound", state="sent") == 1
    assert _value(families, "veche_task_queue_length") >= 0
    ((build_labels, build_value),) = families["veche_build_info"]
    assert build_value == 1 and build_labels["database"] in {"sqlite", "postgresql"}
    assert math.isclose(
        _value(families, "veche_metrics_generated_timestamp_seconds"),
        timezone.now().timestamp(),
        abs_tol=60,
    )


def test_metrics_are_cached_briefly(client: Client, world: World) -> None:
    first = parse_exposition(client.get("/metrics").content.decode())
    make_case(world.municipality)

    second = parse_exposition(client.get("/metrics").content.decode())
    cache.delete(metrics.CACHE_KEY)
    third = parse_exposition(client.get("/metrics").content.decode())

    assert _value(second, "veche_cases") == _value(first, "veche_cases") == 0
    assert _value(third, "veche_cases") == 1


def test_label_values_are_escaped() -> None:
    family = metrics.Metric("x_test", "help")
    family.add(1, name='a "quoted" \\ back\nslash')

    parsed = parse_exposition(metrics.render([family]))

    assert parsed["x_test"] == [({"name": 'a "quoted" \\ back\nslash'}, 1.0)]


@pytest.mark.django_db
def test_metrics_are_hidden_from_other_addresses(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 404
    # Relayed by a proxy that is not trusted: the proxy's 127.0.0.1 is not the scraper's.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.django_db
@override_settings(VECHE_METRICS_TOKEN="s3cret-token", VECHE_METRICS_ALLOW=["192.0.2.0/24"])
def test_metrics_token_and_allowed_networks(client: Client) -> None:
    far = "10.20.30.40"
    token = "Bearer s3cret-token"
    assert client.get("/metrics", HTTP_AUTHORIZATION=token, REMOTE_ADDR=far).status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer x", REMOTE_ADDR=far).status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=far).status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.77").status_code == 200
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed


@pytest.mark.django_db
def test_probes_take_only_get(client: Client) -> None:
    assert client.post("/healthz").status_code in {403, 405}  # CSRF or method: never a 500
    assert client.post("/metrics").status_code in {403, 405}
