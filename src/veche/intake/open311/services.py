"""Open311 POST requests: a checked form becomes a case through `cases.services.create_case`.

Idempotency. GeoReport v2 has no idempotency key, and clients retry after a lost answer. The
external id of the case is a token derived from the municipality, the API key's user, every
submitted field and the minute of receipt: the same form sent again within the same minute
returns the first case, a later one (or any change in the form) is a new case. The token is
returned with the id and resolves through `tokens/{token}` (the spec's token flow).
"""

import json
from datetime import datetime

from django.utils.crypto import salted_hmac

from veche.cases.models import Case
from veche.cases.services import CaseDraft, CitizenData, create_case
from veche.cases.workflow import Regime
from veche.catalog.models import Channel, Topic
from veche.intake.open311.errors import Open311Error
from veche.intake.open311.parsing import RequestIn
from veche.intake.open311.text import compose_text
from veche.org.models import Municipality, User

TOKEN_LENGTH = 32


def submit_request(
    municipality: Municipality, topic: Topic, data: RequestIn, *, by: User, now: datetime
) -> tuple[Case, bool]:
    """Register the request as a message (547-ФЗ: the author is not identified); `created` is
    False when it repeats one already registered."""
    channel = Channel.objects.get(code=Channel.Code.OPEN311)
    if not channel.is_active:
        raise Open311Error(403, "Приём сообщений через Open311 отключён.")
    draft = CaseDraft(
        channel=channel,
        regime=Regime.MESSAGE,
        text=compose_text(data),
        received_at=now,
        external_id=request_token(municipality, data, by=by, now=now),
        author=_author(data),
        address_raw=data.address_string or _address_id(data),
        lat=data.lat,
        lon=data.lon,
        topic_id=topic.pk,
    )
    return create_case(municipality, draft, by=by, now=now)


def request_token(municipality: Municipality, data: RequestIn, *, by: User, now: datetime) -> str:
    """Keyed by the server's secret: the token reveals nothing of the personal data in it."""
    minute = now.replace(second=0, microsecond=0).timestamp()
    payload = json.dumps([municipality.pk, by.pk, minute, *vars(data).values()], default=str)
    digest = salted_hmac("veche.open311.request", payload, algorithm="sha256").hexdigest()
    return digest[:TOKEN_LENGTH]


def _address_id(data: RequestIn) -> str:
    return f"address_id {data.address_id}" if data.address_id else ""


def _author(data: RequestIn) -> CitizenData | None:
    full_name = " ".join(p for p in (data.last_name, data.first_name) if p)
    if not (full_name or data.phone or data.email):
        return None
    return CitizenData(full_name=full_name[:300], phone=data.phone, email=data.email)
