"""A local fake of the VK API, for the tests of the VK connector.

A real HTTP server on a free port speaking VK's wire format for what the connector uses:
`POST /method/<name>` with form parameters answering `{"response": …}` or `{"error": {…}}`
(groups.getLongPollServer, messages.send, wall.createComment), the Bots Long Poll server
(`GET /lp?act=a_check&key=…&ts=…`) and photo files. A test queues events with `message()` and
`comment()` (the same JSON the Callback API posts, so `event()` returns it for callbacks too)
and reads what the community sent in `sent`; `down = True` makes every call answer 500.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.intake.local_server import LocalServer

TOKEN = "vk1.a.test-community-token"
GROUP_ID = 220_000_001
SECRET = "vk-callback-secret"
DATE = 1_795_424_400  # 2026-11-23 09:00 UTC
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 300


class FakeVk(LocalServer):
    def __init__(self, token: str = TOKEN, group_id: int = GROUP_ID) -> None:
        self.token = token
        self.group_id = group_id
        self.events: list[tuple[int, dict[str, Any]]] = []  # (number, event)
        self.sent: list[tuple[str, dict[str, str]]] = []  # (method, parameters)
        self.photos: dict[str, bytes] = {}
        self.down = False
        self.key = "lp-key-1"
        self._number = 100  # the next event's number: the long poll's `ts`
        self._ids = 5000
        self._lock = threading.Lock()
        super().__init__(_handler(self))

    # --- what a test does ---------------------------------------------------------------------

    def event(self, kind: str, obj: dict[str, Any], *, secret: str = SECRET) -> dict[str, Any]:
        """Queue an event for the long poll and return it as the Callback API would post it."""
        with self._lock:
            self._number += 1
            event = {
                "type": kind,
                "object": obj,
                "group_id": self.group_id,
                "event_id": f"ev{self._number:08x}",
                "v": "5.199",
            }
            self.events.append((self._number, event))
        return event | {"secret": secret}

    def message(
        self,
        user_id: int,
        text: str,
        *,
        number: int,
        photo: bytes | None = None,
        geo: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": 0,
            "date": DATE,
            "peer_id": user_id,
            "from_id": user_id,
            "text": text,
            "conversation_message_id": number,
            "out": 0,
            "attachments": [self._photo(photo)] if photo is not None else [],
            "fwd_messages": [],
            "important": False,
            "is_hidden": False,
        }
        if geo is not None:
            message["geo"] = {
                "type": "point",
                "coordinates": {"latitude": geo[0], "longitude": geo[1]},
            }
        client_info = {"button_actions": ["text"], "keyboard": True, "lang_id": 0}
        return self.event("message_new", {"message": message, "client_info": client_info})

    def comment(
        self,
        user_id: int,
        text: str,
        *,
        post_id: int,
        comment_id: int,
        thread_of: int | None = None,
        photo: bytes | None = None,
    ) -> dict[str, Any]:
        comment: dict[str, Any] = {
            "id": comment_id,
            "from_id": user_id,
            "date": DATE,
            "text": text,
            "post_owner_id": -self.group_id,
            "owner_id": -self.group_id,
            "post_id": post_id,
            "parents_stack": [thread_of] if thread_of else [],
            "attachments": [self._photo(photo)] if photo is not None else [],
        }
        if thread_of:
            comment["reply_to_comment"] = thread_of
        return self.event("wall_reply_new", comment)

    def _photo(self, content: bytes) -> dict[str, Any]:
        with self._lock:
            self._ids += 1
            number = self._ids
        self.photos[f"/photos/{number}-x.jpg"] = content
        self.photos[f"/photos/{number}-s.jpg"] = content[:50]
        sizes = [
            {"type": "s", "width": 75, "height": 56, "url": f"{self.url}/photos/{number}-s.jpg"},
            {"type": "x", "width": 604, "height": 453, "url": f"{self.url}/photos/{number}-x.jpg"},
        ]
        return {
            "type": "photo",
            "photo": {"id": number, "owner_id": 1, "date": DATE, "sizes": sizes},
        }

    # --- the API ----------------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        if params.get("access_token") != self.token:
            return _error(5, "User authorization failed: invalid access_token (4).", params)
        if method == "groups.getLongPollServer":
            if params.get("group_id") != str(self.group_id):
                return _error(100, "One of the parameters specified was missing or invalid", params)
            return {
                "response": {
                    "key": self.key,
                    "server": f"{self.url}/lp",
                    "ts": str(self._number + 1),
                }
            }
        if method in ("messages.send", "wall.createComment"):
            with self._lock:
                self._ids += 1
                self.sent.append((method, params))
                if method == "messages.send":
                    return {"response": self._ids}
                return {"response": {"comment_id": self._ids, "parents_stack": []}}
        return _error(3, "Unknown method passed.", params)

    def check(self, params: dict[str, str]) -> dict[str, Any]:
        """One Bots Long Poll request: the events from `ts` on, and the next `ts`."""
        if params.get("key") != self.key:
            return {"failed": 2}
        ts = int(params.get("ts", "0"))
        with self._lock:
            updates = [event for number, event in self.events if number >= ts]
            return {"ts": str(self._number + 1), "updates": updates}


def _error(code: int, message: str, params: dict[str, str]) -> dict[str, Any]:
    shown = [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
    return {"error": {"error_code": code, "error_msg": message, "request_params": shown}}


def _handler(fake: FakeVk) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if fake.down:
                self._reply(500, b"Internal Server Error", "text/plain")
            elif url.path == "/lp":
                self._json(fake.check(dict(parse_qsl(url.query))))
            elif url.path in fake.photos:
                self._reply(200, fake.photos[url.path], "image/jpeg")
            else:
                self._reply(404, b"Not Found", "text/plain")

        def do_POST(self) -> None:
            if fake.down:
                self._reply(500, b"Internal Server Error", "text/plain")
                return
            length = int(self.headers.get("Content-Length") or 0)
            params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            path = urlsplit(self.path).path
            if not path.startswith("/method/"):
                self._reply(404, b"Not Found", "text/plain")
                return
            self._json(fake.call(path.removeprefix("/method/"), params))

        def _json(self, answer: dict[str, Any]) -> None:
            self._reply(200, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read what was sent from the fake itself."""

    return Handler
