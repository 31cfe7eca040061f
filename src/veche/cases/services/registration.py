"""A new case arriving through a channel (a letter, a form, an operator's entry)."""

from datetime import datetime

from django.db import IntegrityError, transaction

from veche.cases.models import Case, Event
from veche.cases.services._common import _allocate_numbers, _build_case, _citizens, _event
from veche.cases.services.drafts import CaseDraft
from veche.cases.signals import cases_registered
from veche.org.models import Municipality, User


def create_case(
    municipality: Municipality, draft: CaseDraft, *, by: User | None, now: datetime
) -> tuple[Case, bool]:
    """Register a new case; a second call with the same channel and external id returns the
    first case unchanged (`created` is False), so channels can deliver at least once."""
    draft = draft.storable()
    if draft.external_id:
        existing = (
            Case.objects.with_external_id()
            .filter(municipality=municipality, channel=draft.channel, external_id=draft.external_id)
            .first()
        )
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic(durable=True):
            number = _allocate_numbers(municipality, draft.received_at.year, 1)[0]
            case = _build_case(municipality, draft, number)
            if draft.author is not None:
                case.author = _citizens(municipality, [draft.author]).get(draft.author)
            case.save()
            _event(
                case,
                Event.Kind.CREATED,
                at=now,
                by=by,
                after={"channel": draft.channel.code, "regime": draft.regime.value},
            )
            ids = [case.pk]
            transaction.on_commit(lambda: cases_registered.send(sender=Case, case_ids=ids))
    except IntegrityError:
        # A concurrent delivery of the same external id won the race: return its case.
        existing = (
            Case.objects.with_external_id()
            .filter(municipality=municipality, channel=draft.channel, external_id=draft.external_id)
            .first()
        )
        if existing is None or not draft.external_id:
            raise
        return existing, False
    return case, True
