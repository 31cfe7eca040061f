"""Prometheus text exposition (format 0.0.4) of gauges read from the database at scrape time.

Counters kept in a process (requests, latency) would be split over every gunicorn worker and
node, so the figures here come from the shared state instead — the database and the task queue
— and are the same whichever worker answers. A scrape is cached for `CACHE_SECONDS` in the
shared cache, so many scrapers (or a scrape per node) cost one set of queries.
"""

import logging
import math
import platform
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import metadata

import django
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from veche.cases.models import Case
from veche.deadlines.models import Clock
from veche.intake.models import Delivery, Outbound, Source

log = logging.getLogger(__name__)

CACHE_KEY = "ops:metrics:v1"
CACHE_SECONDS = 15
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = tuple[tuple[str, str], ...]


@dataclass
class Metric:
    name: str
    help: str
    kind: str = "gauge"
    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> None:
        self.samples.append((tuple(sorted(labels.items())), float(value)))


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value == int(value) else repr(value)


def render(metrics: Iterable[Metric]) -> str:
    lines: list[str] = []
    for metric in metrics:
        help_text = metric.help.replace("\\", "\\\\").replace("\n", "\\n")
        lines.append(f"# HELP {metric.name} {help_text}")
        lines.append(f"# TYPE {metric.name} {metric.kind}")
        for labels, value in metric.samples:
            inner = ",".join(f'{key}="{escape_label(val)}"' for key, val in labels)
            lines.append(
                f"{metric.name}{{{inner}}} {_number(value)}"
                if inner
                else f"{metric.name} {_number(value)}"
            )
    return "\n".join(lines) + "\n"


def veche_version() -> str:
    try:
        return metadata.version("veche")
    except metadata.PackageNotFoundError:
        return "unknown"


def collect() -> list[Metric]:
    now = timezone.now()
    build = Metric("veche_build_info", "Version of Veche, Python, Django and the database vendor.")
    build.add(
        1,
        version=veche_version(),
        python=platform.python_version(),
        django=django.get_version(),
        database=connection.vendor,
    )

    cases = Metric("veche_cases", "Cases by status and channel.")
    rows = Case.objects.values_list("status", "channel__code").annotate(n=Count("id"))
    for status, channel, n in rows.order_by("status", "channel__code"):
        cases.add(n, status=status, channel=channel)

    overdue = Metric("veche_clocks_overdue", "Running deadline clocks past their due time.")
    rows_o = (
        Clock.objects.filter(state=Clock.State.RUNNING, due_at__lt=now)
        .values_list("municipality__oktmo")
        .annotate(n=Count("id"))
        .order_by("municipality__oktmo")
    )
    for oktmo, n in rows_o:
        overdue.add(n, municipality=oktmo)
    open_clocks = Metric("veche_clocks_open", "Running or paused deadline clocks.")
    open_clocks.add(
        Clock.objects.filter(state__in=[Clock.State.RUNNING, Clock.State.PAUSED]).count()
    )

    hour_ago = now - timedelta(hours=1)
    received = Metric(
        "veche_cases_received_last_hour", "Cases whose receipt time is within the last hour."
    )
    received.add(Case.objects.filter(received_at__gte=hour_ago).count())
    accepted = Metric(
        "veche_deliveries_last_hour", "Channel messages accepted in the last hour, by channel."
    )
    rows_d = (
        Delivery.objects.filter(recorded_at__gte=hour_ago)
        .values_list("source__channel__code")
        .annotate(n=Count("id"))
        .order_by("source__channel__code")
    )
    for channel, n in rows_d:
        accepted.add(n, channel=channel)

    age = Metric(
        "veche_intake_source_last_success_age_seconds",
        "Seconds since an active intake source last fetched successfully (absent: never).",
    )
    failures = Metric(
        "veche_intake_source_failures", "Consecutive failed fetches of an active intake source."
    )
    for source in Source.objects.filter(is_active=True).select_related("channel").order_by("pk"):
        labels = {"source": str(source.pk), "channel": source.channel.code}
        if source.last_success_at is not None:
            age.add(max(0.0, (now - source.last_success_at).total_seconds()), **labels)
        failures.add(source.failures, **labels)

    outbound = Metric("veche_outbound", "Messages to citizens by state (failed: gave up).")
    for state, n in Outbound.objects.values_list("state").annotate(n=Count("id")).order_by("state"):
        outbound.add(n, state=state)

    queue = Metric("veche_task_queue_length", "Background jobs waiting in the queue.")
    scheduled = Metric("veche_task_scheduled", "Background jobs scheduled for later.")
    try:
        queue.add(HUEY.pending_count())
        scheduled.add(HUEY.scheduled_count())
    except Exception:  # the queue down must not hide the rest
        log.warning("metrics: task queue unreachable", exc_info=True)

    generated = Metric("veche_metrics_generated_timestamp_seconds", "When these figures were read.")
    generated.add(round(time.time(), 3))
    return [
        build,
        cases,
        overdue,
        open_clocks,
        received,
        accepted,
        age,
        failures,
        outbound,
        queue,
        scheduled,
        generated,
    ]


def exposition() -> str:
    """The text of a scrape, from the shared cache when a fresh one is there."""
    try:
        cached = cache.get(CACHE_KEY)
    except Exception:
        log.warning("metrics: cache unreachable", exc_info=True)
        cached = None
    if isinstance(cached, str):
        return cached
    text = render(collect())
    try:
        cache.set(CACHE_KEY, text, timeout=CACHE_SECONDS)
    except Exception:
        log.warning("metrics: cache unreachable", exc_info=True)
    return text
