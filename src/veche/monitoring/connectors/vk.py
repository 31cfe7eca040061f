"""Public VK walls (a community's or a person's) through `wall.get` with vk_api, the client
intake's VK connector uses. The latest posts are read on every run with their views, reposts
and comments, so the services can refresh the reach of what they already keep; a post that is
a repost without its own words brings the reposted text.

`MonitoredSource.address` is the wall's owner id («-12345» for a community) or its screen
name. Config keys:
    token / token_env   a service or user access token (wall.get of public walls), or the name
                        of the environment variable holding it.
    count               how many latest posts to read, default 50 (VK's maximum is 100).
    api_url             the API server, default https://api.vk.ru (the tests' fake).
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jconfig
import requests
import vk_api

from veche.intake.connectors.base import config_secret
from veche.intake.connectors.vk import VK_API, ApiSession
from veche.monitoring.connectors.base import ConnectorError, FetchedPost

if TYPE_CHECKING:
    from veche.monitoring.models import MonitoredSource

API_VERSION = "5.199"


class VkWallConnector:
    def fetch(self, source: "MonitoredSource", now: datetime) -> list[FetchedPost]:
        token = config_secret(source.config, "token")
        if not token:
            raise ConnectorError("Не задан ключ доступа (token или token_env).")
        owner = source.address.strip()
        params: dict[str, Any] = {"count": min(int(source.config.get("count", 50)), 100)}
        if owner.lstrip("-").isdigit():
            params["owner_id"] = int(owner)
        else:
            params["domain"] = owner.removeprefix("https://vk.com/").strip("/")
        session = ApiSession(str(source.config.get("api_url") or VK_API))
        api = vk_api.VkApi(
            token=token, api_version=API_VERSION, session=session, config=jconfig.MemoryConfig
        )
        try:
            answer = api.method("wall.get", params)
            return [_post(item) for item in answer["items"]]
        except (
            vk_api.VkApiError,
            requests.RequestException,
            ValueError,
            KeyError,
            TypeError,
        ) as exc:
            raise ConnectorError(f"ВКонтакте: {str(exc).replace(token, '***')}") from None
        finally:
            session.close()


connector = VkWallConnector()


def _post(item: dict[str, Any]) -> FetchedPost:
    text = str(item.get("text") or "")
    if not text.strip() and item.get("copy_history"):
        text = str(item["copy_history"][0].get("text") or "")
    owner, number = int(item["owner_id"]), int(item["id"])
    return FetchedPost(
        external_id=f"wall{owner}_{number}",
        text=text,
        published_at=datetime.fromtimestamp(int(item["date"]), tz=UTC),
        url=f"https://vk.com/wall{owner}_{number}",
        author=str(item.get("from_id", owner)),
        views=_count(item, "views"),
        reposts=_count(item, "reposts"),
        comments=_count(item, "comments"),
    )


def _count(item: dict[str, Any], key: str) -> int:
    value = item.get(key)
    return int(value.get("count", 0)) if isinstance(value, dict) else 0
