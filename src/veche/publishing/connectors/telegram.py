"""A Telegram channel through the municipality's bot (an administrator of the channel):
`sendMessage` to the channel, the message id recorded.

The Bot API cannot read a channel's history, so a post whose answer was lost cannot be looked
up (`can_find = False`): the services then mark it for a person to check instead of risking a
second copy. Views are not given to bots either, so `fetch` reports nothing.

The page: `remote_id` is the channel (`@name` or its chat id), `token_env` names the variable
holding the bot token, `api_url` replaces https://api.telegram.org (tests).
"""

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import httpx

from veche.publishing.connectors.base import (
    TIMEOUT,
    PostStats,
    Published,
    PublishError,
    RemoteComment,
    checked_reply,
    http_status_error,
    secret,
    transport_error,
)

if TYPE_CHECKING:
    from veche.publishing.models import OfficialPage, Post

TELEGRAM_API = "https://api.telegram.org"
MESSAGE_LIMIT = 4096


class TelegramChannel:
    can_find: ClassVar[bool] = False

    @checked_reply("Telegram")
    def send(self, page: "OfficialPage", post: "Post") -> Published:
        if len(post.text) > MESSAGE_LIMIT:
            raise PublishError(
                f"Telegram: текст длиннее {MESSAGE_LIMIT} знаков, сократите пост.", permanent=True
            )
        token = secret(page, page.token_env, "токен бота Telegram")
        url = f"{(page.api_url or TELEGRAM_API).rstrip('/')}/bot{token}/sendMessage"
        try:
            response = httpx.post(
                url, json={"chat_id": page.remote_id, "text": post.text}, timeout=TIMEOUT
            )
        except httpx.HTTPError as exc:
            raise transport_error("Telegram", exc, token) from None
        if response.status_code >= 500:
            raise http_status_error("Telegram", response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise PublishError("Telegram: ответ не JSON.", maybe_sent=True) from None
        if not body.get("ok"):
            code = int(body.get("error_code", response.status_code))
            text = str(body.get("description", "")).replace(token, "***")
            # 429: too many requests, nothing was sent; other 4xx: the request is wrong.
            raise PublishError(f"Telegram: {text} (код {code})", permanent=code != 429)
        number = int(body["result"]["message_id"])
        name = page.remote_id.removeprefix("@")
        link = f"https://t.me/{name}/{number}" if not name.lstrip("-").isdigit() else ""
        return Published(remote_id=str(number), url=link)

    @checked_reply("Telegram")
    def find(self, page: "OfficialPage", post: "Post", since: datetime) -> Published | None:
        return None

    @checked_reply("Telegram")
    def fetch(self, page: "OfficialPage", remote_ids: list[str]) -> list[PostStats]:
        return []

    @checked_reply("Telegram")
    def comments(self, page: "OfficialPage", remote_ids: list[str]) -> list[RemoteComment]:
        """Bots do not see a channel's comment threads."""
        return []


connector = TelegramChannel()
