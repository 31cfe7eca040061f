"""A local fake of the Telegram Bot API, for the tests of the Telegram connector.

A real HTTP server on a free port that speaks the Bot API's wire format (`{"ok": true,
"result": …}`, form-encoded parameters with JSON-encoded values, files under
`/file/bot<token>/<path>`) for the methods the connector uses: getMe, getUpdates, sendMessage,
getFile, answerCallbackQuery. A test queues citizens' messages with `message()` and presses of
inline buttons with `press()`, and reads what the bot sent in `sent` (its answers to presses
in `answered`); `down = True` makes every call answer 502, as Telegram does when it is
unavailable.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.intake.local_server import LocalServer

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Вече МО", "username": "veche_test_bot"}
# Parameters sent JSON-encoded; the rest (text, caption) are sent as they are.
JSON_PARAMS = {"chat_id", "offset", "limit", "timeout", "allowed_updates", "reply_parameters",
               "reply_markup"}  # fmt: skip
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


class FakeTelegram(LocalServer):
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.answered: list[dict[str, Any]] = []  # answerCallbackQuery calls
        self.calls: list[str] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file id → (path, content)
        self.down = False
        self._update_id = 500
        self._message_id = 1000
        self._lock = threading.Lock()
        super().__init__(_handler(self))

    # --- what a test does ---------------------------------------------------------------------

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        photo: bytes | None = None,
        caption: str | None = None,
        location: tuple[float, float] | None = None,
        first_name: str = "Мария",
        last_name: str = "Иванова",
        date: int = 1_795_424_400,  # 2026-11-23 09:00 UTC
    ) -> dict[str, Any]:
        """Queue a private message from a citizen (user id = chat id) and return it."""
        with self._lock:
            self._update_id += 1
            self._message_id += 1
            user = {"id": chat_id, "is_bot": False, "first_name": first_name}
            user["last_name"] = last_name
            message: dict[str, Any] = {
                "message_id": self._message_id,
                "date": date,
                "chat": {"id": chat_id, "type": "private", "first_name": first_name},
                "from": user,
            }
            if text is not None:
                message["text"] = text
            if caption is not None:
                message["caption"] = caption
            if photo is not None:
                message["photo"] = [
                    self._file(f"small-{self._message_id}", photo[:100], 90),
                    self._file(f"big-{self._message_id}", photo, 1280),
                ]
            if location is not None:
                message["location"] = {"latitude": location[0], "longitude": location[1]}
            self.updates.append({"update_id": self._update_id, "message": message})
        return message

    def press(self, chat_id: int, message: dict[str, Any], data: str) -> str:
        """Queue a press of an inline button under the bot's `message` (as `sent` holds it)
        by the citizen of `chat_id`; returns the callback query id."""
        with self._lock:
            self._update_id += 1
            query_id = f"q-{self._update_id}"
            user = {"id": chat_id, "is_bot": False, "first_name": "Мария"}
            bot_message = {
                "message_id": message.get("message_id", self._message_id),
                "date": 1_795_424_500,
                "chat": {"id": chat_id, "type": "private", "first_name": "Мария"},
                "from": BOT,
                "text": message["text"],
            }
            self.updates.append(
                {
                    "update_id": self._update_id,
                    "callback_query": {
                        "id": query_id,
                        "from": user,
                        "message": bot_message,
                        "chat_instance": f"ci-{chat_id}",
                        "data": data,
                    },
                }
            )
        return query_id

    def _file(self, file_id: str, content: bytes, side: int) -> dict[str, Any]:
        self.files[file_id] = (f"photos/{file_id}.jpg", content)
        unique = f"u-{file_id}"
        return {"file_id": file_id, "file_unique_id": unique, "width": side, "height": side,
                "file_size": len(content)}  # fmt: skip

    # --- the Bot API ----------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append(method)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        result = handler(params)
        if isinstance(result, tuple):
            return result
        return 200, {"ok": True, "result": result}

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        with self._lock:
            # Telegram forgets the updates a higher offset has confirmed.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return list(self.updates[: int(params.get("limit") or 100)])

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self._message_id += 1
            self.sent.append(params)
            return {
                "message_id": self._message_id,
                "date": 1_795_424_500,
                "chat": {"id": params["chat_id"], "type": "private"},
                "from": BOT,
                "text": params["text"],
            }

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.answered.append(params)
        return True

    def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: invalid file_id",
            }
        path, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(content),
                "file_path": path}  # fmt: skip

    def download(self, path: str) -> bytes | None:
        return next((c for p, c in self.files.values() if p == path), None)


def _handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            prefix, path = f"/file/bot{fake.token}/", unquote(self.path)
            content = fake.download(path[len(prefix) :]) if path.startswith(prefix) else None
            if fake.down or content is None:
                self._reply(502 if fake.down else 404, b"", "text/plain")
                return
            self._reply(200, content, "image/jpeg")

        def do_POST(self) -> None:
            if fake.down:
                self._reply(502, b"<html>502 Bad Gateway</html>", "text/html")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            prefix = f"/bot{fake.token}/"
            if not self.path.startswith(prefix):
                answer = {"ok": False, "error_code": 401, "description": "Unauthorized"}
                self._reply(401, json.dumps(answer).encode(), "application/json")
                return
            params = {
                k: json.loads(v) if k in JSON_PARAMS else v
                for k, v in parse_qsl(body, keep_blank_values=True)
            }
            status, answer = fake.call(self.path[len(prefix) :], params)
            self._reply(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read what was sent from the fake itself."""

    return Handler
