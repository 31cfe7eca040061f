"""Any outside system that pushes cases to Veche (a regional portal, a call-centre program).

It POSTs JSON to `/intake/hooks/<source id>/`, signed with HMAC-SHA256 of the raw body under a
shared secret, in the header `X-Veche-Signature: sha256=<hex>` (the GitHub convention), so a
forged or altered request is refused. Body: one object or a list of objects::

    {"id": "A-1", "text": "…", "received_at": "2026-11-23T10:00:00+03:00",
     "subject": "…", "regime": "message", "address": "…", "lat": 55.1, "lon": 37.2,
     "author": {"full_name": "…", "phone": "…", "email": "…"}}

`id` and `text` are required; the id makes a re-sent case a no-op. With `callback_url` in the
config, answers go back as a signed JSON POST: {"id": …, "case": number, "kind", "text"}.

Source.config: `secret` or `secret_env` (the name of an environment variable holding it),
optional `callback_url`.
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from veche.cases.services import CitizenData
from veche.cases.workflow import Regime
from veche.intake.connectors.base import (
    ConnectorError,
    Inbound,
    PushOnly,
    RejectedRequest,
    config_secret,
)
from veche.intake.models import Outbound, Source

HEADER = "X-Veche-Signature"
MAX_ITEMS = 1000


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _secret(source: Source) -> str:
    secret = config_secret(source.config, "secret")
    if not secret:
        raise RejectedRequest("У источника не задан секрет подписи.", status=503)
    return str(secret)


class WebhookConnector(PushOnly):
    channel: ClassVar[str] = "api"
    ack: ClassVar[str] = "ok"

    def receive(self, source: Source, request: HttpRequest) -> Sequence[Inbound]:
        body = request.body
        given = request.headers.get(HEADER, "")
        if not hmac.compare_digest(given, sign(_secret(source), body)):
            raise RejectedRequest(f"Неверная подпись ({HEADER}).", status=403)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise RejectedRequest("Тело запроса не является JSON.") from None
        items = data if isinstance(data, list) else [data]
        if len(items) > MAX_ITEMS:
            raise RejectedRequest(f"Не больше {MAX_ITEMS} обращений в одном запросе.", status=413)
        return [_inbound(item, n) for n, item in enumerate(items, start=1)]

    def can_send(self, source: Source) -> bool:
        return bool(source.config.get("callback_url"))

    def send(self, source: Source, outbound: Outbound) -> str:
        url = str(source.config.get("callback_url", ""))
        if not url.startswith(("http://", "https://")):
            raise ConnectorError("У источника не задан callback_url.")
        first = outbound.opening_delivery()
        payload = {
            "id": first.external_id if first else outbound.case.external_id,
            "case": outbound.case.number,
            "kind": outbound.kind,
            "text": outbound.text,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", HEADER: sign(_secret(source), body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310  # nosec B310
                return f"callback:{response.status}:{outbound.pk}"
        except (urllib.error.URLError, TimeoutError) as exc:
            raise ConnectorError(f"callback_url не ответил: {exc}") from exc


def _inbound(item: Any, n: int) -> Inbound:
    where = f"обращение №{n}: "
    if not isinstance(item, dict):
        raise RejectedRequest(where + "ожидался объект JSON.")
    external_id = str(item.get("id") or "").strip()
    text = str(item.get("text") or "").strip()
    if not external_id or not text:
        raise RejectedRequest(where + "обязательны поля id и text.")
    try:
        regime = Regime(item.get("regime") or Regime.MESSAGE)
    except ValueError:
        raise RejectedRequest(where + f"неизвестный режим {item.get('regime')!r}.") from None
    author = item.get("author")
    if author is not None and not isinstance(author, dict):
        raise RejectedRequest(where + "author должен быть объектом.")
    return Inbound(
        external_id=external_id[:300],
        text=text,
        received_at=_when(item.get("received_at"), where),
        subject=str(item.get("subject") or ""),
        regime=regime,
        address_raw=str(item.get("address") or ""),
        lat=_coordinate(item.get("lat"), -90, 90, where + "lat"),
        lon=_coordinate(item.get("lon"), -180, 180, where + "lon"),
        author=CitizenData(
            full_name=str(author.get("full_name") or "")[:300],
            phone=str(author.get("phone") or "")[:50],
            email=str(author.get("email") or "")[:254],
        )
        if author
        else None,
    )


def _when(value: Any, where: str) -> datetime:
    if value in (None, ""):
        return timezone.now()
    parsed = parse_datetime(str(value)) if isinstance(value, str) else None
    if parsed is None or timezone.is_naive(parsed):
        raise RejectedRequest(where + "received_at: нужна дата ISO 8601 с часовым поясом.")
    return parsed


def _coordinate(value: Any, low: float, high: float, where: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RejectedRequest(f"{where}: ожидалось число.") from None
    if not low <= number <= high:
        raise RejectedRequest(f"{where}: вне диапазона.")
    return number


connector = WebhookConnector()
