"""Public Telegram channels through their web preview, https://t.me/s/<channel>: the page
lists the channel's latest posts (`div.tgme_widget_message[data-post="<channel>/<n>"]`) with
their text, time and views. No account and no bot are needed; a private channel has no
preview and fails with a message.

`MonitoredSource.address` is the channel's public name (with or without «@» or the t.me
address). Config: `base_url` (default https://t.me — the tests' fake).
"""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import httpx

from veche.monitoring.connectors.base import TIMEOUT, ConnectorError, FetchedPost

if TYPE_CHECKING:
    from veche.monitoring.models import MonitoredSource

BASE = "https://t.me"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
VOID = frozenset({"br", "img", "meta", "link", "input", "hr", "source", "wbr"})


class TelegramPreviewConnector:
    def fetch(self, source: "MonitoredSource", now: datetime) -> list[FetchedPost]:
        channel = channel_name(source.address)
        base = str(source.config.get("base_url") or BASE).rstrip("/")
        try:
            answer = httpx.get(f"{base}/s/{channel}", timeout=TIMEOUT, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise ConnectorError(f"Telegram недоступен: {exc}") from None
        if answer.status_code != httpx.codes.OK:
            # t.me redirects a channel without a public preview to its plain page.
            raise ConnectorError(
                f"У канала «{channel}» нет открытого просмотра ({answer.status_code})."
            )
        return [
            FetchedPost(
                external_id=raw["post"],
                text=raw["text"].strip(),
                published_at=_when(raw["time"]) or now,
                url=f"https://t.me/{raw['post']}",
                author=channel,
                views=count(raw["views"]),
            )
            for raw in parse_preview(answer.text)
            if raw["post"].lower().startswith(f"{channel.lower()}/")
        ]


connector = TelegramPreviewConnector()


def channel_name(address: str) -> str:
    name = address.strip().removeprefix("https://").removeprefix("http://")
    name = name.removeprefix("t.me/s/").removeprefix("t.me/").lstrip("@").strip("/")
    if not NAME.match(name):
        raise ConnectorError(f"«{address}» — не имя публичного канала Telegram.")
    return name


def count(shown: str) -> int:
    """«1.2K» → 1200, «3M» → 3000000, «845» → 845."""
    shown = shown.strip().upper().replace(",", ".")
    scale = {"K": 1_000, "M": 1_000_000}.get(shown[-1:], 1)
    number = shown[:-1] if scale > 1 else shown
    try:
        return int(float(number) * scale)
    except ValueError:
        return 0


def _when(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _Preview(HTMLParser):
    """Collects each post's id, text, time and views; tracks nesting by depth of open tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.posts: list[dict[str, str]] = []
        self.depth = 0
        self.post_depth: int | None = None
        self.field: str | None = None
        self.field_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {k: v or "" for k, v in attrs}
        classes = given.get("class", "").split()
        if tag not in VOID:
            self.depth += 1
        if self.post_depth is None and "tgme_widget_message" in classes and given.get("data-post"):
            self.post_depth = self.depth
            self.posts.append({"post": given["data-post"], "text": "", "time": "", "views": ""})
            return
        if self.post_depth is None:
            return
        post = self.posts[-1]
        if tag == "br" and self.field == "text":
            post["text"] += "\n"
        elif tag == "time" and given.get("datetime") and not post["time"]:
            post["time"] = given["datetime"]
        elif self.field is None and "tgme_widget_message_text" in classes and not post["text"]:
            self.field, self.field_depth = "text", self.depth
        elif self.field is None and "tgme_widget_message_views" in classes:
            self.field, self.field_depth = "views", self.depth

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.field is not None and self.depth == self.field_depth:
            self.field = None
        if self.post_depth is not None and self.depth == self.post_depth:
            self.post_depth = None
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.post_depth is not None and self.field is not None:
            self.posts[-1][self.field] += data


def parse_preview(page: str) -> list[dict[str, str]]:
    parser = _Preview()
    parser.feed(page)
    parser.close()
    return parser.posts
