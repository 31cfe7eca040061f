"""Background jobs of the publishing app: thin periodic wrappers over its services (huey)."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from veche.intake.connectors.base import ConnectorError
from veche.publishing.comments import collect_comments
from veche.publishing.models import OfficialPage
from veche.publishing.services import publish_due, refresh_stats

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def publish_due_posts_task() -> int:
    """Every minute: publish the approved posts whose time has come, and take back the posts
    a dead worker left half-published (exactly once: see `services`)."""
    return publish_due(now=timezone.now())


@db_periodic_task(crontab(minute="17"))
def refresh_pages_task() -> int:
    """Hourly: stats and comments of recent posts; one page failing does not stop the rest."""
    done = 0
    for page in OfficialPage.objects.filter(is_active=True):
        try:
            refresh_stats(page, now=timezone.now())
            collect_comments(page, now=timezone.now())
            done += 1
        except ConnectorError as exc:
            log.warning("publishing: page %s not refreshed: %s", page.pk, exc)
    return done
