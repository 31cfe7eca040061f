"""The one endpoint outside systems push to: `/intake/hooks/<source id>/`.

The source's connector checks the request (signature, secret) and parses it; every message it
yields is accepted exactly once. The view never answers 500 to a malformed request.
"""

import logging

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from veche.cases.errors import CaseError
from veche.intake.connectors import connector_for
from veche.intake.connectors.base import ImmediateReply, RejectedRequest
from veche.intake.models import Source
from veche.intake.services import accept

log = logging.getLogger(__name__)


@csrf_exempt  # authenticated by the connector's own signature or secret, not by a session
@require_POST
def hook(request: HttpRequest, source_id: int) -> HttpResponse:
    source = (
        Source.objects.select_related("channel", "municipality")
        .filter(pk=source_id, is_active=True)
        .first()
    )
    if source is None:
        return _text("Источник не найден или отключён.", 404)
    try:
        connector = connector_for(source.channel.code)
        messages = connector.receive(source, request)
        now = timezone.now()
        for message in messages:
            accept(source, message, now=now)
    except ImmediateReply as reply:
        return _text(reply.body, reply.status)
    except RejectedRequest as rejected:
        log.info("hook %s rejected: %s", source_id, rejected.message)
        return _text(rejected.message, rejected.status)
    except CaseError as exc:
        return _text(exc.message, 400)
    except LookupError as exc:
        return _text(str(exc.args[0]), 400)
    return _text(connector.ack, 200)


def _text(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
