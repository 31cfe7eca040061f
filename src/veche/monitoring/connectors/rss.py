"""RSS 2.0 and Atom feeds of local media and sites, read over HTTP with httpx and parsed with
defusedxml (a feed is untrusted XML). The entries of the feed are returned every time: the
services keep each once and refresh nothing else for a feed (feeds carry no reach figures).
The ETag / Last-Modified of the last answer is the cursor, so an unchanged feed costs a 304.

`MonitoredSource.address` is the feed's URL; no config keys.
"""

import hashlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element  # the type; defusedxml parses  # nosec B405

import httpx
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from veche.monitoring.connectors.base import TIMEOUT, ConnectorError, FetchedPost, html_text

if TYPE_CHECKING:
    from veche.monitoring.models import MonitoredSource

ATOM = "{http://www.w3.org/2005/Atom}"
MAX_BYTES = 5 * 2**20


class RssConnector:
    def fetch(self, source: "MonitoredSource", now: datetime) -> list[FetchedPost]:
        headers = {"User-Agent": "Veche monitoring"}
        if source.cursor.get("etag"):
            headers["If-None-Match"] = str(source.cursor["etag"])
        if source.cursor.get("modified"):
            headers["If-Modified-Since"] = str(source.cursor["modified"])
        try:
            answer = httpx.get(source.address, headers=headers, timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            raise ConnectorError(f"Лента недоступна: {exc}") from None
        if answer.status_code == httpx.codes.NOT_MODIFIED:
            return []
        if answer.status_code != httpx.codes.OK:
            raise ConnectorError(f"Лента ответила {answer.status_code}.")
        if len(answer.content) > MAX_BYTES:
            raise ConnectorError("Лента больше 5 МБ.")
        posts = parse_feed(answer.content, now=now)
        source.cursor = {
            k: v
            for k, v in (
                ("etag", answer.headers.get("ETag", "")),
                ("modified", answer.headers.get("Last-Modified", "")),
            )
            if v
        }
        return posts


connector = RssConnector()


def parse_feed(content: bytes, *, now: datetime) -> list[FetchedPost]:
    """The entries of an RSS 2.0 or Atom document; an entry without a date is dated `now`."""
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ConnectorError(f"Лента — не XML: {exc}") from None
    if root.tag == f"{ATOM}feed":
        return [_atom(entry, now) for entry in root.iter(f"{ATOM}entry")]
    if root.tag == "rss" or root.find("channel") is not None:
        return [_rss(item, now) for item in root.iter("item")]
    raise ConnectorError("Это не RSS и не Atom.")


def _rss(item: Element, now: datetime) -> FetchedPost:
    title = _text(item, "title")
    body = html_text(_text(item, "description"))
    link = _text(item, "link")
    return FetchedPost(
        external_id=_id(_text(item, "guid") or link, title, body),
        text=_join(title, body),
        published_at=_rfc822(_text(item, "pubDate")) or now,
        url=link,
        author=_text(item, "author"),
    )


def _atom(entry: Element, now: datetime) -> FetchedPost:
    title = html_text(_text(entry, f"{ATOM}title"))
    body = html_text(_text(entry, f"{ATOM}content") or _text(entry, f"{ATOM}summary"))
    links = entry.findall(f"{ATOM}link")
    link = next((str(x.get("href")) for x in links if x.get("rel", "alternate") == "alternate"), "")
    author = entry.find(f"{ATOM}author")
    when = _text(entry, f"{ATOM}published") or _text(entry, f"{ATOM}updated")
    return FetchedPost(
        external_id=_id(_text(entry, f"{ATOM}id") or link, title, body),
        text=_join(title, body),
        published_at=_iso(when) or now,
        url=link,
        author=_text(author, f"{ATOM}name") if author is not None else "",
    )


def _text(element: Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _join(title: str, body: str) -> str:
    return f"{title}\n{body}".strip() if body and body != title else title


def _id(given: str, title: str, body: str) -> str:
    if given:
        return given[:300]
    return "sha256:" + hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def _rfc822(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
