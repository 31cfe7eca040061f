"""Local fakes of the public networks the monitoring app reads, each a real HTTP server on a
free port (tests.intake.local_server):

- `FakeFeeds`: any path serves the feed document put there (RSS or Atom), with an ETag, and
  answers 304 to a request that names it;
- `FakeTelegramPreview`: `GET /s/<channel>` serves a channel's web preview in t.me's markup
  (`tgme_widget_message` blocks), a channel without a preview redirects as t.me does;
- `FakeVkWall`: `POST /method/wall.get` in VK's wire format (`{"response": …}` or
  `{"error": …}`), checking the token, by `owner_id` or `domain`.
"""

import hashlib
import html
import json
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.intake.local_server import LocalServer

VK_TOKEN = "vk1.a.monitoring-service-token"


class _Handler(BaseHTTPRequestHandler):
    def reply(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class FakeFeeds(LocalServer):
    def __init__(self) -> None:
        self.feeds: dict[str, bytes] = {}
        self.requests = 0
        fake = self

        class Handler(_Handler):
            def do_GET(self) -> None:
                fake.requests += 1
                body = fake.feeds.get(urlsplit(self.path).path)
                if body is None:
                    self.reply(404, b"Not Found", "text/plain")
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.reply(304, b"", "application/rss+xml", ETag=etag)
                    return
                self.reply(200, body, "application/rss+xml; charset=utf-8", ETag=etag)

        super().__init__(Handler)


def rss(items: list[dict[str, str]]) -> bytes:
    entries = "".join(
        "<item>"
        f"<title>{html.escape(i['title'])}</title><link>{html.escape(i.get('link', ''))}</link>"
        f"<description>{html.escape(i.get('description', ''))}</description>"
        f"<guid>{html.escape(i.get('guid', i.get('link', '')))}</guid>"
        f"<pubDate>{i.get('date', '')}</pubDate>"
        "</item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Краснолесские вести</title>{entries}</channel></rss>"
    ).encode()


def atom(entries: list[dict[str, str]]) -> bytes:
    body = "".join(
        "<entry>"
        f"<id>{html.escape(e['id'])}</id><title>{html.escape(e['title'])}</title>"
        f'<link rel="alternate" href="{html.escape(e["link"])}"/>'
        f"<published>{e['published']}</published>"
        f'<summary type="html">{html.escape(e.get("summary", ""))}</summary>'
        f"<author><name>{html.escape(e.get('author', ''))}</name></author>"
        "</entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Сайт администрации</title>{body}</feed>"
    ).encode()


@dataclass
class TgPost:
    number: int
    text: str  # plain text; line breaks become <br/>
    at: datetime
    views: str = "0"


class FakeTelegramPreview(LocalServer):
    def __init__(self) -> None:
        self.channels: dict[str, list[TgPost]] = {}
        fake = self

        class Handler(_Handler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                name = path.removeprefix("/s/")
                if not path.startswith("/s/"):
                    self.reply(404, b"Not Found", "text/plain")
                elif name not in fake.channels:
                    self.reply(302, b"", "text/html", Location=f"/{name}")
                else:
                    self.reply(200, fake.page(name).encode(), "text/html; charset=utf-8")

        super().__init__(Handler)

    def page(self, name: str) -> str:
        blocks = "".join(
            f'<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
            f'data-post="{name}/{p.number}" data-view="x">'
            f'<div class="tgme_widget_message_bubble">'
            f'<div class="tgme_widget_message_author"><span dir="auto">{name}</span></div>'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">'
            f"{'<br/>'.join(html.escape(line) for line in p.text.splitlines())}</div>"
            f'<div class="tgme_widget_message_footer"><div class="tgme_widget_message_info">'
            f'<span class="tgme_widget_message_views">{p.views}</span>'
            f'<span class="copyonly"> views</span>'
            f'<a class="tgme_widget_message_date" href="https://t.me/{name}/{p.number}">'
            f'<time datetime="{p.at.isoformat()}" class="time">{p.at:%H:%M}</time></a>'
            f"</div></div></div></div></div>"
            for p in self.channels[name]
        )
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Канал</title></head><body>'
            f'<section class="tgme_channel_history js-message_history">{blocks}</section>'
            "</body></html>"
        )


class FakeVkWall(LocalServer):
    def __init__(self, token: str = VK_TOKEN) -> None:
        self.token = token
        self.walls: dict[int, list[dict[str, Any]]] = {}
        self.domains: dict[str, int] = {}
        self.calls: list[dict[str, str]] = []
        fake = self

        class Handler(_Handler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                path = urlsplit(self.path).path
                if path != "/method/wall.get":
                    self.reply(404, b"Not Found", "text/plain")
                    return
                answer = json.dumps(fake.wall_get(params), ensure_ascii=False).encode()
                self.reply(200, answer, "application/json")

        super().__init__(Handler)

    def post(
        self, owner: int, number: int, text: str, at: datetime, *, views: int = 0,
        reposts: int = 0, comments: int = 0, copy_of: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        wall = self.walls.setdefault(owner, [])
        wall[:] = [p for p in wall if p["id"] != number]
        item: dict[str, Any] = {
            "id": number, "owner_id": owner, "from_id": owner, "date": int(at.timestamp()),
            "text": text, "post_type": "post", "views": {"count": views},
            "reposts": {"count": reposts, "user_reposted": 0},
            "comments": {"count": comments, "can_post": 1},
        }  # fmt: skip
        if copy_of:
            item["copy_history"] = [{"id": 1, "owner_id": -1, "text": copy_of, "date": 0}]
        wall.insert(0, item)
        return item

    def wall_get(self, params: dict[str, str]) -> dict[str, Any]:
        self.calls.append(params)
        if params.get("access_token") != self.token:
            return _vk_error(5, "User authorization failed: invalid access_token (4).")
        owner = (
            int(params["owner_id"])
            if "owner_id" in params
            else self.domains.get(params.get("domain", ""))
        )
        if owner is None or owner not in self.walls:
            return _vk_error(
                100, "One of the parameters specified was missing or invalid: owner_id"
            )
        items = self.walls[owner][: int(params.get("count", 20))]
        return {"response": {"count": len(self.walls[owner]), "items": items}}


def _vk_error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"error_code": code, "error_msg": message, "request_params": []}}
