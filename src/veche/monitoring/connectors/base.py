"""The small interface of a watched network: `fetch(source, now)` reads the source's recent
public posts with their reach, and may move `source.cursor`. A connector only translates;
`veche.monitoring.services` decides what is a mention. Failures raise intake's
`ConnectorError` with a message for the sources page (never a token).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Protocol

from veche.intake.connectors.base import ConnectorError

if TYPE_CHECKING:
    from veche.monitoring.models import MonitoredSource

__all__ = ["ConnectorError", "FetchedPost", "FieldConnector", "html_text"]

TIMEOUT = 20.0


@dataclass(frozen=True)
class FetchedPost:
    external_id: str
    text: str
    published_at: datetime
    url: str = ""
    author: str = ""
    views: int = 0
    reposts: int = 0
    comments: int = 0


class FieldConnector(Protocol):
    def fetch(self, source: "MonitoredSource", now: datetime) -> list[FetchedPost]: ...


class _Text(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str) -> str:
    """The readable text of an HTML fragment (a feed's description): tags dropped, entities
    decoded, blank runs collapsed."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()
