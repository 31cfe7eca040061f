"""An Odnoklassniki group through the OK REST API (`https://api.ok.ru/fb.do`):
`mediatopic.post` (type GROUP_THEME, a text attachment), `mediatopic.getTopics` to find a post
after a crash, `mediatopic.getByIds` for likes, reshares and comments.

Every call is signed: `sig = md5(sorted "k=v" of the parameters without the token + session
secret)`, and carries `application_key` and `access_token`. The method names and answer shapes
follow OK's public documentation as far as it could be checked offline; the tests run against a
local fake of the same wire format.

The page: `remote_id` is the group id, `token_env`, `app_key_env`, `secret_env` name the
variables holding the access token, the application's public key and the session secret.
"""

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

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

OK_API = "https://api.ok.ru"
# OK's codes worth retrying: unknown error, service unavailable, rate limits.
TRANSIENT = frozenset({1, 3, 7, 9})
FIND_DEPTH = 50


class OkGroup:
    can_find: ClassVar[bool] = True

    @checked_reply("Одноклассники")
    def send(self, page: "OfficialPage", post: "Post") -> Published:
        attachment = json.dumps(
            {"media": [{"type": "text", "text": post.text}]}, ensure_ascii=False
        )
        answer = _call(
            page,
            "mediatopic.post",
            {"gid": page.remote_id, "type": "GROUP_THEME", "attachment": attachment},
        )
        return _published(page, str(answer))

    @checked_reply("Одноклассники")
    def find(self, page: "OfficialPage", post: "Post", since: datetime) -> Published | None:
        answer = _call(page, "mediatopic.getTopics", {"gid": page.remote_id, "count": FIND_DEPTH})
        for topic in answer.get("media_topics", []):
            texts = [m.get("text") for m in topic.get("media", []) if m.get("type") == "text"]
            created = int(topic.get("created_ms", 0)) // 1000
            if post.text in texts and created >= int(since.timestamp()) - 60:
                return _published(page, str(topic["id"]))
        return None

    @checked_reply("Одноклассники")
    def fetch(self, page: "OfficialPage", remote_ids: list[str]) -> list[PostStats]:
        if not remote_ids:
            return []
        answer = _call(
            page,
            "mediatopic.getByIds",
            {"topic_ids": ",".join(remote_ids), "fields": "media_topic.*"},
        )
        return [
            PostStats(
                remote_id=str(topic["id"]),
                likes=int((topic.get("like_summary") or {}).get("count", 0)),
                reposts=int((topic.get("reshare_summary") or {}).get("count", 0)),
                comments=int((topic.get("discussion_summary") or {}).get("comments_count", 0)),
            )
            for topic in answer.get("media_topics", [])
        ]

    @checked_reply("Одноклассники")
    def comments(self, page: "OfficialPage", remote_ids: list[str]) -> list[RemoteComment]:
        """OK discussions are not read yet: comments there reach the МЦУ through ИМ."""
        return []


connector = OkGroup()


def _published(page: "OfficialPage", topic: str) -> Published:
    return Published(remote_id=topic, url=f"https://ok.ru/group/{page.remote_id}/topic/{topic}")


def signature(params: dict[str, str], session_secret: str) -> str:
    line = "".join(f"{key}={params[key]}" for key in sorted(params))
    return hashlib.md5((line + session_secret).encode(), usedforsecurity=False).hexdigest()


def _call(page: "OfficialPage", method: str, params: dict[str, Any]) -> Any:
    token = secret(page, page.token_env, "токен Одноклассников")
    app_key = secret(page, page.app_key_env, "ключ приложения Одноклассников")
    session_secret = secret(page, page.secret_env, "секрет сессии Одноклассников")
    signed = {k: str(v) for k, v in params.items()} | {
        "application_key": app_key,
        "method": method,
        "format": "json",
    }
    data = signed | {"sig": signature(signed, session_secret), "access_token": token}
    url = f"{(page.api_url or OK_API).rstrip('/')}/fb.do"
    try:
        response = httpx.post(url, data=data, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise transport_error("Одноклассники", exc, token) from None
    if response.status_code != 200:
        raise http_status_error("Одноклассники", response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise PublishError("Одноклассники: ответ не JSON.", maybe_sent=True) from None
    if isinstance(body, dict) and "error_code" in body:
        code = int(body["error_code"])
        message = str(body.get("error_msg", "")).replace(token, "***")
        raise PublishError(
            f"Одноклассники: {message} (код {code})", permanent=code not in TRANSIENT
        )
    return body
