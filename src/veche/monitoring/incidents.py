"""A mention becomes a case in one click: a social-network incident (DOMAIN.md §3), registered
once — a second click, or two at once, return the same case (the case's external id is the
mention's, and `create_case` is idempotent by it)."""

from datetime import datetime

from django.db import transaction

from veche.cases.models import Case
from veche.cases.services import CaseDraft, create_case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel
from veche.monitoring.models import Mention, SourceKind
from veche.org.models import User

# A feed of a site has no channel of its own: what is published on a site came through it.
CHANNELS = {
    SourceKind.VK: Channel.Code.VK,
    SourceKind.TELEGRAM: Channel.Code.TELEGRAM,
    SourceKind.RSS: Channel.Code.WEB_FORM,
}


def create_case_from_mention(mention: Mention, *, by: User, now: datetime) -> Case:
    if mention.case_id is not None and mention.case is not None:
        return mention.case
    source = mention.source
    text = mention.text.strip() or "(публикация без текста)"
    if mention.url:
        text = f"{text}\n\nИсточник: {mention.url}"
    draft = CaseDraft(
        channel=Channel.objects.get(code=CHANNELS[SourceKind(source.kind)]),
        regime=Regime.INCIDENT,
        text=text,
        received_at=mention.published_at,
        external_id=f"monitoring:{mention.pk}",
        subject=f"Публикация в «{source.name}»"[:500],
        address_raw=(mention.places[0] if mention.places else "")[:500],
    )
    case, _ = create_case(source.municipality, draft, by=by, now=now)
    with transaction.atomic(durable=True):
        Mention.objects.filter(pk=mention.pk, case__isnull=True).update(case=case)
    mention.case = case
    return case
