"""VK community wall: `wall.post` from the community, `wall.get` to find a post after a crash,
`wall.getById` for views, likes, reposts and comments.

`wall.post` gets the post's marker as `guid` (VK's guard against posting the same record twice);
that guard is short-lived, so after a restart `find` also reads the latest posts of the wall
and takes the community's own post with the same text made since the first attempt.

The page: `remote_id` is the community id (a positive number), `token_env` names the variable
holding a community token with the `wall` right, `api_url` replaces https://api.vk.ru (tests).
"""

from datetime import UTC, datetime
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

VK_API = "https://api.vk.ru"
API_VERSION = "5.199"
# Codes worth retrying: too many requests, flood control, internal server error.
TRANSIENT = frozenset({6, 9, 10})
FIND_DEPTH = 50  # the latest wall posts read to find a lost one
THREAD_DEPTH = 10


class VkWall:
    can_find: ClassVar[bool] = True

    @checked_reply("ВКонтакте")
    def send(self, page: "OfficialPage", post: "Post") -> Published:
        group = _group(page)
        answer = _call(
            page,
            "wall.post",
            {
                "owner_id": -group,
                "from_group": 1,
                "message": post.text,
                "guid": str(post.marker),
            },
        )
        return _published(group, int(answer["post_id"]))

    @checked_reply("ВКонтакте")
    def find(self, page: "OfficialPage", post: "Post", since: datetime) -> Published | None:
        group = _group(page)
        answer = _call(page, "wall.get", {"owner_id": -group, "count": FIND_DEPTH})
        for item in answer.get("items", []):
            if (
                int(item.get("from_id", 0)) == -group
                and item.get("text") == post.text
                and int(item.get("date", 0)) >= int(since.timestamp()) - 60
            ):
                return _published(group, int(item["id"]))
        return None

    @checked_reply("ВКонтакте")
    def fetch(self, page: "OfficialPage", remote_ids: list[str]) -> list[PostStats]:
        if not remote_ids:
            return []
        group = _group(page)
        posts = ",".join(f"-{group}_{number}" for number in remote_ids)
        answer = _call(page, "wall.getById", {"posts": posts})
        items = answer.get("items", answer) if isinstance(answer, dict) else answer
        return [
            PostStats(
                remote_id=str(item["id"]),
                views=int((item.get("views") or {}).get("count", 0)),
                likes=int((item.get("likes") or {}).get("count", 0)),
                reposts=int((item.get("reposts") or {}).get("count", 0)),
                comments=int((item.get("comments") or {}).get("count", 0)),
            )
            for item in items
        ]

    @checked_reply("ВКонтакте")
    def comments(self, page: "OfficialPage", remote_ids: list[str]) -> list[RemoteComment]:
        """Residents' comments under the posts, each marked answered when the community
        replied in its thread (the first `THREAD_DEPTH` replies are read)."""
        group = _group(page)
        found: list[RemoteComment] = []
        for number in remote_ids:
            answer = _call(
                page,
                "wall.getComments",
                {
                    "owner_id": -group,
                    "post_id": number,
                    "count": 100,
                    "thread_items_count": THREAD_DEPTH,
                },
            )
            for item in answer.get("items", []):
                if int(item.get("from_id", 0)) <= 0:
                    continue  # the community itself or another community
                replies = (item.get("thread") or {}).get("items", [])
                found.append(
                    RemoteComment(
                        remote_id=str(item["id"]),
                        post_remote_id=str(number),
                        author_id=str(item["from_id"]),
                        text=str(item.get("text", "")),
                        posted_at=datetime.fromtimestamp(int(item["date"]), tz=UTC),
                        thread_id=str(item["id"]),
                        answered=any(int(r.get("from_id", 0)) == -group for r in replies),
                    )
                )
        return found


connector = VkWall()


def _group(page: "OfficialPage") -> int:
    try:
        return abs(int(page.remote_id))
    except ValueError:
        raise PublishError("Номер сообщества ВКонтакте — не число.", permanent=True) from None


def _published(group: int, number: int) -> Published:
    return Published(remote_id=str(number), url=f"https://vk.com/wall-{group}_{number}")


def _call(page: "OfficialPage", method: str, params: dict[str, Any]) -> Any:
    token = secret(page, page.token_env, "ключ доступа сообщества ВКонтакте")
    url = f"{(page.api_url or VK_API).rstrip('/')}/method/{method}"
    data = {**params, "access_token": token, "v": API_VERSION}
    try:
        response = httpx.post(url, data=data, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise transport_error("ВКонтакте", exc, token) from None
    if response.status_code != 200:
        raise http_status_error("ВКонтакте", response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise PublishError("ВКонтакте: ответ не JSON.", maybe_sent=True) from None
    if "error" in body:
        code = int(body["error"].get("error_code", 0))
        message = str(body["error"].get("error_msg", "")).replace(token, "***")
        raise PublishError(f"ВКонтакте: {message} (код {code})", permanent=code not in TRANSIENT)
    return body["response"]
