"""Structured logs: one JSON object a line (VECHE_LOG_FORMAT=json) or plain text.

The request context (request id, client-visible path, user id) lives in context variables set
by `ops.middleware.RequestContextMiddleware`; `RequestContextFilter` copies it onto every record,
so any logger's line inside a request carries the request id. Only what the code puts in the
message and in ``extra`` is written: never request bodies or query strings.
"""

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("veche_request_id", default="")
user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("veche_user_id", default=None)

# Fields of the access log line (logger "veche.request") and of any record given them in extra.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "client")
# Attributes every LogRecord has; anything else came through ``extra``.
# Django's own "request" extra (the request object: its repr holds the full path) is dropped.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "request"}


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` (and ``user_id`` when known) of the current request to a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        if not hasattr(record, "user_id"):
            record.user_id = user_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, message, request_id, and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "")
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or value is None:
                continue
            entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The plain format, with the request id and the access fields when there are any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={getattr(record, key)}"
            for key in ("request_id", *EXTRA_FIELDS)
            if getattr(record, key, None) not in (None, "")
        ]
        return f"{line} [{' '.join(extras)}]" if extras else line
