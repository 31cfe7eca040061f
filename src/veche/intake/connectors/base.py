"""The one small interface every channel implements (ARCHITECTURE.md, «connectors/»).

- `fetch(source)` pulls what is new from a remote system (IMAP, Telegram getUpdates, VK
  long poll) and moves the source's cursor; the scheduler calls it.
- `receive(source, request)` turns a pushed request (a webhook call) into messages.
- `send(source, outbound)` delivers a message back to the citizen and returns the remote id.
  A connector whose sources cannot always answer also has `can_send(source) -> bool`.

A connector only translates; `veche.intake.services.accept` turns each `Inbound` into a case or a
message on one, exactly once.
"""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from django.http import HttpRequest

from veche.cases.services import CitizenData
from veche.cases.workflow import Regime

if TYPE_CHECKING:
    from veche.intake.models import Outbound, Source


class ConnectorError(Exception):
    """The remote system failed or refused; the message is shown on the channel status page."""


class RejectedRequest(Exception):
    """A pushed request that must be refused (bad signature, malformed body): 4xx, with why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ImmediateReply(Exception):
    """A pushed request the remote system expects a particular answer to (VK's confirmation
    handshake): the webhook view returns `body` as plain text and accepts nothing."""

    def __init__(self, body: str, status: int = 200) -> None:
        super().__init__(body)
        self.body = body
        self.status = status


@dataclass(frozen=True)
class InboundFile:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Inbound:
    """One message from a citizen, as a channel understood it."""

    external_id: str
    text: str
    received_at: datetime
    subject: str = ""
    author: CitizenData | None = None
    regime: Regime = Regime.MESSAGE
    # The conversation it belongs to (a chat id): the next message goes to the open case.
    conversation: str = ""
    # Remote ids this message answers (e-mail In-Reply-To / References).
    reply_to: Sequence[str] = ()
    address_raw: str = ""
    lat: float | None = None
    lon: float | None = None
    files: Sequence[InboundFile] = field(default_factory=tuple)
    # What the channel had to leave out and why (a file too large to download): each becomes a
    # note on the case's timeline, next to the message.
    notes: Sequence[str] = ()


class Connector(Protocol):
    """A channel's module exposes one object of this shape as `connector`."""

    channel: ClassVar[str]  # a `Channel.Code` value
    # What the webhook view answers after accepting a pushed request (VK wants "ok").
    ack: ClassVar[str]
    # True when the remote ids are unique across sources (an e-mail Message-ID): the same
    # message reaching two sources is then one case. Otherwise ids are per source (a Telegram
    # message id counts per bot), and the case key is prefixed with the source.
    shared_ids: ClassVar[bool]

    def fetch(self, source: "Source", now: datetime) -> Sequence[Inbound]: ...

    def receive(self, source: "Source", request: HttpRequest) -> Sequence[Inbound]: ...

    def send(self, source: "Source", outbound: "Outbound") -> str: ...


class PushOnly:
    """Base for connectors the remote system pushes to: nothing to fetch."""

    ack: ClassVar[str] = "ok"
    shared_ids: ClassVar[bool] = False

    def fetch(self, source: "Source", now: datetime) -> Sequence[Inbound]:
        return ()


class PullOnly:
    """Base for connectors that only poll: a pushed request is refused."""

    ack: ClassVar[str] = "ok"
    shared_ids: ClassVar[bool] = False

    def receive(self, source: "Source", request: HttpRequest) -> Sequence[Inbound]:
        raise RejectedRequest("Этот канал не принимает входящие запросы.", status=404)


def config_secret(config: Mapping[str, Any], key: str) -> str:
    """A secret from a source's config: the value under `key`, or the environment variable
    named under `<key>_env` (so passwords and tokens can stay out of the database)."""
    if config.get(key):
        return str(config[key])
    name = str(config.get(f"{key}_env", ""))
    return os.environ.get(name, "") if name else ""


def split_text(text: str, limit: int) -> list[str]:
    """Cut a long text into parts of at most `limit` characters (a messenger's limit), at
    paragraph ends, line ends or spaces where possible."""
    parts: list[str] = []
    rest = text.strip() or "—"
    while len(rest) > limit:
        found = (rest.rfind(sep, limit // 2, limit) for sep in ("\n\n", "\n", " "))
        cut = next((at for at in found if at > 0), limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return parts
