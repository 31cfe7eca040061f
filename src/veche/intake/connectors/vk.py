"""VK community: messages to the community and comments under its posts become cases.

Two ways in, the same events (the Callback API and Bots Long Poll send identical JSON):
- **Callback API** (`receive`): VK posts each event to `/intake/hooks/<source id>/`; the
  `secret` is checked, the `confirmation` handshake answered, and "ok" acknowledges the rest.
- **Bots Long Poll** (`fetch`), the fallback for networks VK cannot reach: `groups.
  getLongPollServer`, then one `a_check` per poll; the event number `ts` is the cursor
  (`Source.cursor = {"ts": "…"}`), saved only after every event was accepted.
Receiving an event twice is harmless: the external id is the key (`services.accept`).

Conversations: a dialogue with the community is keyed by its peer id; a comment by its post,
its thread (the top comment it answers, or itself) and its author, so the author's further
replies in that thread go to the same case, and another resident's reply opens their own.
Comments are incidents (social-network posts, DOMAIN.md §3); messages are messages.

Answers go back as `messages.send` (with `random_id` derived from the outbound message, so a
retried send is not delivered twice) or as a reply comment `wall.createComment` (with `guid`,
for the same reason) from the community.

`Source.config` keys:
    group_id            the community id (a positive number).
    token / token_env   the community access token (rights: messages, wall, manage), or the
                        name of the environment variable holding it.
    secret / secret_env the Callback API secret key; callbacks are refused without it.
    confirmation        the string VK asks the server to return to confirm its address.
    long_poll           poll the Bots Long Poll API; default: on when no secret is set.
    wait                long-poll wait, seconds, default 1.
    api_url             the API server, default https://api.vk.ru (the tests' fake).
    api_version         default `API_VERSION`.
    send_receipt        (services) confirm a new case with its number, default true.
"""

import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import jconfig
import requests
import vk_api
from django.conf import settings
from django.http import HttpRequest
from vk_api.bot_longpoll import VkBotLongPoll

from veche.cases.services import CitizenData
from veche.cases.workflow import Regime
from veche.catalog.models import Channel
from veche.intake.connectors.base import (
    ConnectorError,
    ImmediateReply,
    Inbound,
    InboundFile,
    RejectedRequest,
    config_secret,
    split_text,
)
from veche.intake.models import Outbound

if TYPE_CHECKING:
    from veche.intake.models import Source

log = logging.getLogger(__name__)

VK_API = "https://api.vk.ru"
API_VERSION = "5.199"
TIMEOUT = 20
# Community tokens may call 20 methods a second (vk_api's default pause is for user tokens).
RPS_DELAY = 1 / 20
MESSAGE_LIMIT = 4096
# Peer ids from 2·10⁹ up are group chats the community was added to: not citizens' dialogues.
CHAT_PEERS = 2_000_000_000
EVENTS = ("message_new", "wall_reply_new")


class VkConnector:
    channel: ClassVar[str] = Channel.Code.VK
    ack: ClassVar[str] = "ok"
    shared_ids: ClassVar[bool] = False  # peer and comment ids count per community

    def fetch(self, source: "Source", now: datetime) -> Sequence[Inbound]:
        config = source.config
        if not config.get("long_poll", not config_secret(config, "secret")):
            return ()
        group_id = _group_id(config)
        with _Client(source) as (api, session):
            poll = VkBotLongPoll(api, group_id, wait=int(config.get("wait", 1)))
            if source.cursor.get("ts"):
                poll.ts = source.cursor["ts"]
            try:
                events = [event.raw for event in poll.check()]
            finally:
                poll.session.close()
            inbound = _parse_all(events, group_id, session)
            source.cursor = {**source.cursor, "ts": str(poll.ts)}
        return inbound

    def receive(self, source: "Source", request: HttpRequest) -> Sequence[Inbound]:
        config = source.config
        try:
            event = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise RejectedRequest("Тело запроса — не JSON.", status=400) from None
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise RejectedRequest("Это не событие Callback API.", status=400)
        try:
            group_id = _group_id(config)
        except ConnectorError as exc:
            raise RejectedRequest(str(exc), status=403) from None
        if str(event.get("group_id")) != str(group_id):
            raise RejectedRequest("Событие другого сообщества.", status=403)
        if event["type"] == "confirmation":
            raise ImmediateReply(str(config.get("confirmation", "")))
        secret = config_secret(config, "secret")
        if not secret:
            raise RejectedRequest("Для сообщества не задан секретный ключ.", status=403)
        if not hmac.compare_digest(str(event.get("secret", "")).encode(), secret.encode()):
            raise RejectedRequest("Неверный секретный ключ.", status=403)
        if event["type"] not in EVENTS:
            return ()
        with ApiSession(str(source.config.get("api_url") or VK_API)) as session:
            try:
                found = _inbound(event, group_id, session)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise RejectedRequest("Событие не того вида, что ожидался.", status=400) from None
        return [found] if found is not None else []

    def send(self, source: "Source", outbound: Outbound) -> str:
        first = outbound.opening_delivery()
        if first is None or not first.conversation:
            raise ConnectorError("Обращение пришло не из этого сообщества: некуда ответить.")
        group_id = _group_id(source.config)
        with _Client(source) as (api, _):
            if first.external_id.startswith("wall"):
                return _comment(api, group_id, first.external_id, outbound)
            return _message(api, int(first.conversation), outbound)


connector = VkConnector()


# --- the client ---------------------------------------------------------------------------------


# Where VK serves photos and documents (sun*.userapi.com, vk.com/doc…, vkuser.net CDNs).
FILE_HOSTS = ("userapi.com", "vk.com", "vk.ru", "vkuser.net", "vk-cdn.net", "vkuseraudio.net")


class ApiSession(requests.Session):
    """vk_api calls https://api.vk.ru by a fixed address: this session sends those calls to
    the configured server instead, and never waits without a timeout."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if url.startswith(VK_API):
            url = self.base + url[len(VK_API) :]
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(method, url, *args, **kwargs)


class _Client:
    """A vk_api client for the source; its errors become a `ConnectorError` without the token."""

    def __init__(self, source: "Source") -> None:
        self.token = config_secret(source.config, "token")
        if not self.token:
            raise ConnectorError("Не задан ключ доступа сообщества (token или token_env).")
        self.session = ApiSession(str(source.config.get("api_url") or VK_API))
        self.api = vk_api.VkApi(
            token=self.token,
            api_version=str(source.config.get("api_version") or API_VERSION),
            session=self.session,
            config=jconfig.MemoryConfig,
        )
        self.api.RPS_DELAY = RPS_DELAY

    def __enter__(self) -> tuple[Any, requests.Session]:
        return self.api, self.session

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        self.session.close()
        failures = (vk_api.VkApiError, requests.RequestException, ValueError, KeyError, TypeError)
        if isinstance(exc, failures):
            # API errors, the network, an answer that is not JSON or not of the expected shape.
            message = str(exc).replace(self.token, "***")
            raise ConnectorError(f"ВКонтакте: {message}") from None


def _group_id(config: Mapping[str, Any]) -> int:
    try:
        return abs(int(config["group_id"]))
    except (KeyError, TypeError, ValueError):
        raise ConnectorError("Не задан номер сообщества (group_id).") from None


# --- receiving ----------------------------------------------------------------------------------


def _parse_all(
    events: Sequence[Mapping[str, Any]], group_id: int, session: requests.Session
) -> list[Inbound]:
    """The polled events as messages; a malformed one is skipped (and logged) rather than
    stopping the source on it forever."""
    found: list[Inbound] = []
    for event in events:
        try:
            message = _inbound(event, group_id, session)
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("vk: malformed event %s skipped", event.get("event_id"))
            continue
        if message is not None:
            found.append(message)
    return found


def _inbound(event: Mapping[str, Any], group_id: int, session: requests.Session) -> Inbound | None:
    """One Callback API / Long Poll event as a citizen's message, or None for what is not
    one (the community's own comments, group chats, other event types)."""
    kind, obj = event.get("type"), event.get("object") or {}
    if kind == "message_new":
        return _from_message(obj.get("message", obj), session)
    if kind == "wall_reply_new":
        return _from_comment(obj, group_id, session)
    return None


def _from_message(message: Mapping[str, Any], session: requests.Session) -> Inbound | None:
    peer, author = int(message.get("peer_id", 0)), int(message.get("from_id", 0))
    if author <= 0 or peer >= CHAT_PEERS or message.get("out"):
        return None
    coordinates = (message.get("geo") or {}).get("coordinates") or {}
    lat, lon = coordinates.get("latitude"), coordinates.get("longitude")
    files, notes = _files(message.get("attachments") or [], session)
    text = _text(message.get("text", ""), notes, lat, lon)
    if not text and not files:
        return None
    return Inbound(
        external_id=f"msg{peer}_{message['conversation_message_id']}",
        text=text,
        received_at=datetime.fromtimestamp(int(message["date"]), tz=UTC),
        author=CitizenData(social_id=f"vk.com/id{author}"),
        conversation=str(peer),
        lat=float(lat) if lat is not None else None,
        lon=float(lon) if lon is not None else None,
        files=tuple(files),
    )


def _from_comment(
    comment: Mapping[str, Any], group_id: int, session: requests.Session
) -> Inbound | None:
    author = int(comment.get("from_id", 0))
    if author <= 0:  # the community itself (our answers) or another community
        return None
    owner = int(comment.get("post_owner_id", comment.get("owner_id", -group_id)))
    post, number = int(comment["post_id"]), int(comment["id"])
    thread = (comment.get("parents_stack") or [number])[0]
    files, notes = _files(comment.get("attachments") or [], session)
    text = _text(comment.get("text", ""), notes, None, None)
    if not text and not files:
        return None
    return Inbound(
        external_id=f"wall{owner}_{post}_c{number}",
        text=text,
        received_at=datetime.fromtimestamp(int(comment["date"]), tz=UTC),
        author=CitizenData(social_id=f"vk.com/id{author}"),
        regime=Regime.INCIDENT,
        conversation=f"wall{owner}_{post}_c{thread}_u{author}",
        files=tuple(files),
    )


def _text(text: str, notes: list[str], lat: Any, lon: Any) -> str:
    text = text.strip()
    if not text and lat is not None and lon is not None:
        text = f"Геопозиция: {float(lat):.6f}, {float(lon):.6f}"
    return "\n".join([text, *notes]).strip()


def _files(
    attachments: Sequence[Mapping[str, Any]], session: requests.Session
) -> tuple[list[InboundFile], list[str]]:
    """Photos (their largest size) and documents. A file that cannot be fetched is named in
    the text instead, so the message itself is never lost."""
    wanted: list[tuple[str, str]] = []  # url, name
    for item in attachments:
        if item.get("type") == "photo":
            photo = item.get("photo") or {}
            sizes = photo.get("sizes") or []
            if sizes:
                best = max(sizes, key=lambda s: int(s.get("width", 0)) * int(s.get("height", 0)))
                wanted.append((str(best.get("url", "")), f"vk-photo-{photo.get('id', '')}.jpg"))
        elif item.get("type") == "doc":
            doc = item.get("doc") or {}
            wanted.append((str(doc.get("url", "")), str(doc.get("title") or "vk-doc")))
    files: list[InboundFile] = []
    notes: list[str] = []
    for url, name in wanted:
        try:
            files.append(InboundFile(name, _download(session, url)))
        except (OSError, ValueError) as exc:
            log.warning("vk: attachment %s not fetched: %s", name, exc)
            notes.append(f"(вложение «{name}» не получено)")
    return files, notes


def _download(session: requests.Session, url: str) -> bytes:
    """A file from VK's own servers only: the address comes in the event, and fetching any
    address we are given would let a forged event probe the municipality's network."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    own = urlsplit(getattr(session, "base", "")).hostname  # the configured API server
    if parts.scheme not in {"https", "http"} or not (
        host == own or any(host == d or host.endswith("." + d) for d in FILE_HOSTS)
    ):
        raise ValueError(f"адрес не на серверах ВКонтакте: {host or url[:60]}")
    limit = settings.VECHE_MAX_ATTACHMENT_BYTES
    content = bytearray()
    with session.get(url, stream=True, timeout=TIMEOUT, allow_redirects=False) as response:
        response.raise_for_status()
        for chunk in response.iter_content(64 * 1024):
            content += chunk
            if len(content) > limit:
                raise ValueError(f"больше {limit // 2**20} МБ")
    return bytes(content)


# --- sending ------------------------------------------------------------------------------------


def _message(api: Any, peer: int, outbound: Outbound) -> str:
    ids = [
        api.method(
            "messages.send",
            {"peer_id": peer, "message": part, "random_id": outbound.pk * 16 + i},
        )
        for i, part in enumerate(split_text(outbound.text, MESSAGE_LIMIT)[:16])
    ]
    return f"msg{peer}:{ids[0]}"


def _comment(api: Any, group_id: int, external_id: str, outbound: Outbound) -> str:
    """A reply comment to the citizen's first comment, from the community."""
    post_ref, number = external_id.removeprefix("wall").split("_c")
    owner, post = post_ref.rsplit("_", 1)
    created = api.method(
        "wall.createComment",
        {
            "owner_id": int(owner),
            "post_id": int(post),
            "from_group": group_id,
            "reply_to_comment": int(number),
            "message": outbound.text,
            "guid": f"veche-outbound-{outbound.pk}",
        },
    )
    return f"wall{owner}_{post}_c{created['comment_id']}"
