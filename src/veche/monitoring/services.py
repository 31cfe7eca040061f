"""Every write of the monitoring app's fetching side: a due source is read through its
connector, each post that concerns the municipality becomes a mention once (a repost points at
the first), the reach of known mentions is refreshed, and the alerts are checked.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from veche.cases.services import without_nul
from veche.monitoring import alerts
from veche.monitoring.connectors import connector_for
from veche.monitoring.connectors.base import ConnectorError, FetchedPost
from veche.monitoring.matching import content_hash, match_post, phrase_lemmas
from veche.monitoring.models import Mention, MonitoredSource, WatchWord
from veche.monitoring.risk import risk_score, views_per_hour
from veche.org.models import Municipality
from veche.triage.gazetteer import Gazetteer
from veche.triage.gazetteer_store import gazetteer_for
from veche.triage.mood import assess_mood

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # longest a fetch may take before its source is read again
MAX_BACKOFF = timedelta(hours=6)


def add_watch_word(municipality: Municipality, phrase: str) -> WatchWord:
    """Watch for a word or phrase in any word form; adding it again changes nothing."""
    lemmas = phrase_lemmas(phrase)
    word, _ = WatchWord.objects.get_or_create(
        municipality=municipality, lemmas=lemmas, defaults={"phrase": phrase.strip()[:200]}
    )
    return word


def claim_due_sources(now: datetime) -> list[MonitoredSource]:
    """Active sources due by `now`, each claimed for `LEASE` so that two workers never read
    the same source at once (the claim is a conditional update)."""
    due = MonitoredSource.objects.filter(is_active=True).filter(
        Q(next_run_at__isnull=True) | Q(next_run_at__lte=now)
    )
    claimed = []
    for source in due.select_related("municipality"):
        won = MonitoredSource.objects.filter(pk=source.pk, next_run_at=source.next_run_at).update(
            next_run_at=now + LEASE
        )
        if won:
            claimed.append(source)
    return claimed


def fetch_source(source: MonitoredSource, *, now: datetime) -> int:
    """Read one source: returns how many new mentions it brought. A failure is written on the
    source and the next run waits longer (doubling, up to `MAX_BACKOFF`)."""
    try:
        posts = connector_for(source.kind).fetch(source, now)
    except ConnectorError as exc:
        failures = source.failures + 1
        delay = min(timedelta(minutes=source.schedule_minutes) * 2 ** min(failures, 8), MAX_BACKOFF)
        MonitoredSource.objects.filter(pk=source.pk).update(
            failures=failures, last_error=str(exc)[:2000], last_run_at=now, next_run_at=now + delay
        )
        log.warning("monitoring: source %s failed: %s", source.pk, exc)
        return 0
    municipality = source.municipality
    gazetteer = gazetteer_for(municipality)
    words = list(
        WatchWord.objects.filter(municipality=municipality).values_list("phrase", "lemmas")
    )
    touched: list[Mention] = []
    new = 0
    with transaction.atomic(durable=True):
        # Oldest first: of two copies in one batch, the earlier post is the original.
        for post in sorted(posts, key=lambda p: p.published_at):
            mention, created = record_post(source, without_nul(post), gazetteer, words, now=now)
            if mention is not None:
                touched.append(mention)
                new += created
        MonitoredSource.objects.filter(pk=source.pk).update(
            cursor=source.cursor,
            failures=0,
            last_error="",
            last_run_at=now,
            last_success_at=now,
            next_run_at=now + timedelta(minutes=source.schedule_minutes),
        )
    alerts.check_alerts(municipality, touched, now=now)
    return new


def record_post(
    source: MonitoredSource,
    post: FetchedPost,
    gazetteer: Gazetteer | None,
    words: Iterable[tuple[str, str]],
    *,
    now: datetime,
) -> tuple[Mention | None, bool]:
    """One fetched post: its figures refreshed if it is known, a new mention if it names the
    municipality's places or watched words, nothing otherwise. Returns the mention (if any)
    and whether it is new. The caller checks the alerts of what it touched."""
    known = Mention.objects.filter(source=source, external_id=post.external_id[:300]).first()
    if known is not None:
        _refresh(known, post, now=now)
        return known, False
    matched = match_post(post.text, gazetteer, words)
    if not matched:
        return None, False
    digest = content_hash(post.text)
    original = (
        Mention.objects.filter(
            municipality_id=source.municipality_id, content_hash=digest, repost_of__isnull=True
        )
        .order_by("published_at", "pk")
        .first()
    )
    mention = Mention(
        municipality_id=source.municipality_id,
        source=source,
        external_id=post.external_id[:300],
        url=_web_link(post.url),
        author=post.author[:300],
        text=post.text,
        published_at=post.published_at,
        found_at=now,
        views=post.views,
        reposts=post.reposts,
        comments=post.comments,
        snapshot_at=now,
        places=matched.places,
        keywords=matched.keywords,
        negativity=assess_mood(post.text).negativity,
        content_hash=digest,
        repost_of=original,
    )
    mention.risk = _risk(mention)
    try:
        with transaction.atomic():
            mention.save()
    except IntegrityError:  # a concurrent run recorded it a moment ago
        return Mention.objects.get(source=source, external_id=mention.external_id), False
    return mention, True


def _web_link(url: str) -> str:
    """Only an http(s) link is kept: a feed's «javascript:» or «data:» link would run when an
    officer clicks «открыть» on the mentions page."""
    url = url.strip()
    return url[:1000] if url.lower().startswith(("http://", "https://")) else ""


def _refresh(mention: Mention, post: FetchedPost, *, now: datetime) -> None:
    """A new snapshot of the reach; the previous one stays for the speed of growth."""
    if (mention.views, mention.reposts, mention.comments) == (
        post.views,
        post.reposts,
        post.comments,
    ):
        return
    mention.views_before, mention.snapshot_before_at = mention.views, mention.snapshot_at
    mention.views, mention.reposts, mention.comments = post.views, post.reposts, post.comments
    mention.snapshot_at = now
    mention.risk = _risk(mention)
    mention.save(
        update_fields=[
            "views", "reposts", "comments", "views_before", "snapshot_before_at", "snapshot_at",
            "risk",
        ]
    )  # fmt: skip


def _risk(mention: Mention) -> float:
    return risk_score(
        negativity=mention.negativity,
        views=mention.views,
        reposts=mention.reposts,
        comments=mention.comments,
        views_per_hour=views_per_hour(
            mention.views, mention.views_before, mention.snapshot_at, mention.snapshot_before_at
        ),
        watched_topic=bool(mention.keywords),
    )
