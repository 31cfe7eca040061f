"""Local fakes of the three networks' APIs, for the publishing connectors' tests.

Real HTTP servers on free ports (`tests.intake.local_server.LocalServer`) speaking each
network's wire format for what the connectors use:
- `FakeVkWall`: `POST /method/wall.post|wall.get|wall.getById` → `{"response": …}` / `{"error": …}`;
- `FakeOk`: `POST /fb.do` with `method=…`, checking the md5 signature;
- `FakeTelegram`: `POST /bot<token>/sendMessage` → `{"ok": true, "result": {...}}`.
Each keeps what was posted in `posts`. `down = True` answers 500; `errors` queues API errors for
the next calls; `lose_answers = n` makes the next n calls do their work and then drop the
connection without answering (a timeout after the post was made).
"""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.intake.local_server import LocalServer
from tests.personas import NOW

VK_TOKEN = "vk1.a.publishing-token"
OK_TOKEN = "ok-access-token"
OK_APP_KEY = "CBAFAKEAPPKEY"
OK_SECRET = "ok-session-secret"
TG_TOKEN = "123456:publishing-bot-token"


class _Fake(LocalServer):
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.errors: list[tuple[int, str]] = []  # (code, message) for the next calls
        self.down = False
        self.lose_answers = 0
        self.clock = int(NOW.timestamp())
        self._ids = 100
        self.lock = threading.Lock()
        super().__init__(_handler(self))

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def handle(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        raise NotImplementedError

    def pop_error(self) -> tuple[int, str] | None:
        return self.errors.pop(0) if self.errors else None


class FakeVkWall(_Fake):
    def __init__(self, group_id: int) -> None:
        self.group_id = group_id
        self.comments: dict[int, list[dict[str, Any]]] = {}  # post id → top comments
        super().__init__()

    def comment(self, post_id: int, user_id: int, text: str, *, date: int) -> dict[str, Any]:
        """A resident's top comment under a post; append to its `thread.items` to reply."""
        item = {
            "id": self.next_id(),
            "from_id": user_id,
            "date": date,
            "text": text,
            "post_id": post_id,
            "owner_id": -self.group_id,
            "thread": {"count": 0, "items": []},
        }
        self.comments.setdefault(post_id, []).append(item)
        return item

    def reply(self, top: dict[str, Any], text: str) -> None:
        """The community answers in the comment's thread."""
        top["thread"]["items"].append(
            {"id": self.next_id(), "from_id": -self.group_id, "text": text}
        )
        top["thread"]["count"] += 1

    def handle(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        method = path.removeprefix("/method/")
        if params.get("access_token") != VK_TOKEN:
            return 200, {"error": {"error_code": 5, "error_msg": "User authorization failed"}}
        if (error := self.pop_error()) is not None:
            return 200, {"error": {"error_code": error[0], "error_msg": error[1]}}
        if method == "wall.post":
            if params.get("owner_id") != str(-self.group_id) or params.get("from_group") != "1":
                return 200, {
                    "error": {"error_code": 214, "error_msg": "Access to adding post denied"}
                }
            post = {
                "id": self.next_id(),
                "from_id": -self.group_id,
                "owner_id": -self.group_id,
                "date": self.clock,
                "text": params.get("message", ""),
                "guid": params.get("guid", ""),
                "views": {"count": 0},
                "likes": {"count": 0},
                "reposts": {"count": 0},
                "comments": {"count": 0},
            }
            self.posts.append(post)
            return 200, {"response": {"post_id": post["id"]}}
        if method == "wall.get":
            items = list(reversed(self.posts))[: int(params.get("count", 20))]
            return 200, {"response": {"count": len(self.posts), "items": items}}
        if method == "wall.getById":
            wanted = {p.rsplit("_", 1)[-1] for p in params.get("posts", "").split(",")}
            return 200, {"response": {"items": [p for p in self.posts if str(p["id"]) in wanted]}}
        if method == "wall.getComments":
            items = self.comments.get(int(params["post_id"]), [])
            return 200, {"response": {"count": len(items), "items": items}}
        return 200, {"error": {"error_code": 3, "error_msg": "Unknown method passed."}}


class FakeOk(_Fake):
    def __init__(self, group_id: str) -> None:
        self.group_id = group_id
        super().__init__()

    def handle(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        signed = {k: v for k, v in params.items() if k not in ("sig", "access_token")}
        line = "".join(f"{k}={signed[k]}" for k in sorted(signed)) + OK_SECRET
        if params.get("access_token") != OK_TOKEN or params.get("application_key") != OK_APP_KEY:
            return 200, {"error_code": 102, "error_msg": "PARAM_SESSION_EXPIRED"}
        if params.get("sig") != hashlib.md5(line.encode()).hexdigest():  # noqa: S324 - OK's scheme
            return 200, {"error_code": 104, "error_msg": "PARAM_SIGNATURE : Invalid signature"}
        if (error := self.pop_error()) is not None:
            return 200, {"error_code": error[0], "error_msg": error[1]}
        method = params.get("method")
        if method == "mediatopic.post":
            if params.get("gid") != self.group_id:
                return 200, {"error_code": 455, "error_msg": "PERMISSION_DENIED"}
            media = json.loads(params["attachment"])["media"]
            topic = {
                "id": str(self.next_id()),
                "created_ms": self.clock * 1000,
                "media": media,
                "like_summary": {"count": 0},
                "reshare_summary": {"count": 0},
                "discussion_summary": {"comments_count": 0},
            }
            self.posts.append(topic)
            return 200, topic["id"]
        if method == "mediatopic.getTopics":
            return 200, {"media_topics": list(reversed(self.posts))[: int(params["count"])]}
        if method == "mediatopic.getByIds":
            wanted = set(params.get("topic_ids", "").split(","))
            return 200, {"media_topics": [t for t in self.posts if t["id"] in wanted]}
        return 200, {"error_code": 3, "error_msg": "METHOD : Method not found"}


class FakeTelegram(_Fake):
    def __init__(self, channel: str) -> None:
        self.channel = channel
        super().__init__()

    def handle(self, path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        if path != f"/bot{TG_TOKEN}/sendMessage":
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if (error := self.pop_error()) is not None:
            return error[0], {"ok": False, "error_code": error[0], "description": error[1]}
        params = json.loads(body)
        if params.get("chat_id") != self.channel:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        message = {"message_id": self.next_id(), "date": self.clock, "text": params["text"]}
        self.posts.append(message)
        return 200, {"ok": True, "result": message}


def _handler(fake: _Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if fake.down:
                self._reply(500, b"Internal Server Error")
                return
            with fake.lock:
                status, answer = fake.handle(
                    urlsplit(self.path).path, body, self.headers.get("Content-Type", "")
                )
                lose = fake.lose_answers > 0
                fake.lose_answers -= int(lose)
            if lose:  # the work is done, the answer never arrives
                self.close_connection = True
                return
            self._reply(status, json.dumps(answer, ensure_ascii=False).encode())

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read what was posted from the fake itself."""

    return Handler
