"""The interface every network's module implements, like intake's connectors (`send`, `fetch`),
plus `find`: looking a post up on the page after a worker died between the network's answer
and our record of it, so a restart publishes it once, not twice.

Errors tell the services what to do next: `permanent` (a wrong token, a page we may not post
to) stops retrying; `maybe_sent` (the request left but no answer came) means the post may be
out already, so the next attempt looks before it posts again.
"""

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, ParamSpec, Protocol, TypeVar

import httpx

from veche.intake.connectors.base import ConnectorError

if TYPE_CHECKING:
    from veche.publishing.models import OfficialPage, Post

TIMEOUT = 20.0


class PublishError(ConnectorError):
    def __init__(self, message: str, *, permanent: bool = False, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.maybe_sent = maybe_sent


_P = ParamSpec("_P")
_R = TypeVar("_R")
# What reading a reply of an unexpected shape raises: a missing key, null for a list, text
# for a number.
_SHAPE_ERRORS = (AttributeError, IndexError, KeyError, OverflowError, TypeError, ValueError)


def checked_reply(network: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A reply the connector cannot read is the network's failure (`PublishError`, retried;
    `maybe_sent`: a post may be out), not an exception that stops the run for every post."""

    def wrap(method: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(method)
        def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return method(*args, **kwargs)
            except _SHAPE_ERRORS as exc:
                raise PublishError(
                    f"{network}: ответ не в ожидаемом виде ({type(exc).__name__}).",
                    maybe_sent=True,
                ) from None

        return checked

    return wrap


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str = ""


@dataclass(frozen=True)
class PostStats:
    remote_id: str
    views: int = 0
    likes: int = 0
    reposts: int = 0
    comments: int = 0


@dataclass(frozen=True)
class RemoteComment:
    remote_id: str
    post_remote_id: str
    author_id: str
    text: str
    posted_at: datetime
    thread_id: str  # the top comment of its thread (itself when it starts one)
    answered: bool  # the page replied in that thread


class PageConnector(Protocol):
    # Whether `find` can look a post up on the page (Telegram's Bot API cannot read a channel).
    can_find: ClassVar[bool]

    def send(self, page: "OfficialPage", post: "Post") -> Published: ...

    def find(self, page: "OfficialPage", post: "Post", since: datetime) -> Published | None: ...

    def fetch(self, page: "OfficialPage", remote_ids: list[str]) -> list[PostStats]: ...

    def comments(self, page: "OfficialPage", remote_ids: list[str]) -> list[RemoteComment]: ...


def secret(page: "OfficialPage", variable: str, what: str) -> str:
    """A token or key from the environment variable the page names: secrets stay out of the
    database."""
    value = os.environ.get(variable, "") if variable else ""
    if not value:
        raise PublishError(f"Не задан {what} (переменная окружения «{variable}»).", permanent=True)
    return value


def transport_error(network: str, exc: httpx.HTTPError, *secrets: str) -> PublishError:
    """A network failure: retried; `maybe_sent` unless the connection was never made."""
    message = str(exc) or type(exc).__name__
    for value in secrets:
        message = message.replace(value, "***")
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    return PublishError(f"{network}: сеть недоступна ({message})", maybe_sent=not never_sent)


def http_status_error(network: str, status: int) -> PublishError:
    """A server error is transient and may have happened after the post was made."""
    return PublishError(f"{network}: ответ сервера {status}", maybe_sent=status >= 500)
