"""A letter as an `Inbound`: its headers in any charset, its text, its files, its thread."""

import hashlib
import logging
import re
from collections.abc import Sequence
from datetime import datetime
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import Message
from email.utils import parseaddr

from django.conf import settings

from veche.cases.services import CitizenData
from veche.cases.workflow import Regime
from veche.intake.connectors.base import Inbound, InboundFile
from veche.intake.connectors.email.config import MB
from veche.intake.connectors.email.html_text import html_to_text

log = logging.getLogger(__name__)

HASHED = "sha256:"  # external ids of letters without a usable Message-ID
NO_BODY = "(письмо без текста)"
MAX_TEXT = 100_000  # characters of a letter's text kept on the case
_SURROGATES = re.compile("[\udc80-\udcff]")
_MSGID = re.compile(r"<([^<>\s]+)>")


def parse_letter(
    raw: bytes,
    *,
    received_at: datetime,
    regime: Regime = Regime.MESSAGE,
    with_files: bool = True,
    notes: Sequence[str] = (),
) -> Inbound | None:
    """What a letter says, as an Inbound; None when a machine wrote it (see package doc)."""
    message = message_from_bytes(raw, policy=policy.compat32)
    if is_automatic(message):
        log.info("skipped an automatic letter %s", message.get("Message-ID", ""))
        return None
    subject = header_text(message, "Subject")
    plain, html, parts = _split(message)
    text = _clean(plain if plain is not None else html_to_text(html or "")).strip()
    files, refused = _files(parts) if with_files else ((), [])
    notes = [*notes, *refused]
    if len(text) > MAX_TEXT:
        notes.append(f"Текст письма сокращён до {MAX_TEXT} знаков из {len(text)}.")
        text = text[:MAX_TEXT]
    return Inbound(
        external_id=letter_id(message, raw),
        text=text or ("" if files else subject or NO_BODY),
        received_at=received_at,
        subject=subject,
        author=_author(message),
        regime=regime,
        reply_to=_references(message),
        files=files,
        notes=tuple(notes),
    )


def is_automatic(message: Message) -> bool:
    auto = header_text(message, "Auto-Submitted").lower()
    return (
        auto not in ("", "no")
        or message.get_content_type() == "multipart/report"
        or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
        or header_text(message, "Precedence").lower() in ("auto_reply", "bulk", "junk")
    )


def letter_id(message: Message, raw: bytes) -> str:
    """The Message-ID without brackets; a hash of the header when it is absent or too long."""
    found = message_ids(header_text(message, "Message-ID"))
    if found and len(found[0]) <= 200:
        return found[0]
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return HASHED + hashlib.sha256(head).hexdigest()


def message_ids(value: str) -> list[str]:
    return _MSGID.findall(value)


def _references(message: Message) -> tuple[str, ...]:
    ids = message_ids(header_text(message, "In-Reply-To"))
    ids += reversed(message_ids(header_text(message, "References")))
    return tuple(dict.fromkeys(ids))  # the closest first, each once


def _author(message: Message) -> CitizenData | None:
    value = message.get("From")
    if value is None:
        return None
    name, address = parseaddr(value if isinstance(value, str) else header_text(message, "From"))
    name = decode_words(name)
    if not name and not address:
        return None
    return CitizenData(full_name=name[:300], email=address.strip()[:254])


def header_text(message: Message, name: str) -> str:
    value = message.get(name)
    return "" if value is None else decode_words(value)


def decode_words(value: object) -> str:
    """An RFC 2047 header in any charset (koi8-r, cp1251, …) or raw 8-bit, as text."""
    if isinstance(value, str) and _SURROGATES.search(value):  # raw 8-bit in a parameter
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    try:
        if not isinstance(value, str):  # a Header of raw 8-bit bytes, perhaps with =?…?= words
            value = _joined(decode_header(value))  # type: ignore[arg-type]
        text = _joined(decode_header(value))
    except (HeaderParseError, ValueError):
        text = str(value)
    return _clean(re.sub(r"\s+", " ", text)).strip()


def _joined(chunks: list[tuple[bytes | str, str | None]]) -> str:
    # Plain parts of a str header come back as raw-unicode-escape bytes, hence the decoding.
    return "".join(
        c if isinstance(c, str)
        else c.decode("raw-unicode-escape") if charset is None
        else decode_bytes(c, charset)
        for c, charset in chunks
    )  # fmt: skip


def decode_bytes(data: bytes, charset: str | None) -> str:
    for name in (charset, "utf-8", "cp1251"):
        if name and name != "unknown-8bit":
            try:
                return data.decode(name)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("latin-1")


def _clean(text: str) -> str:
    """Without the characters a database refuses (NUL) or a page mangles."""
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _split(message: Message) -> tuple[str | None, str | None, list[Message]]:
    """The first plain and the first HTML body text, and the parts that are files."""
    plain: str | None = None
    html: str | None = None
    files: list[Message] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        is_file = part.get_content_disposition() == "attachment" or bool(part.get_filename())
        if kind in ("text/plain", "text/html") and not is_file:
            content = decode_bytes(_payload(part), part.get_content_charset())
            if kind == "text/plain" and plain is None:
                plain = content
            elif kind == "text/html" and html is None:
                html = content
            continue
        if kind.startswith("message/") and not is_file:
            continue  # a forwarded letter: its parts are walked on their own
        files.append(part)
    return plain, html, files


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _files(parts: Sequence[Message]) -> tuple[tuple[InboundFile, ...], list[str]]:
    """The files worth checking, and a note for each refused before it was even decoded."""
    limit = settings.VECHE_MAX_ATTACHMENT_BYTES
    files: list[InboundFile] = []
    refused: list[str] = []
    for number, part in enumerate(parts, start=1):
        name = _filename(part) or f"вложение-{number}"
        if _encoded_size(part) > limit:
            refused.append(
                f"Вложение не принято: Файл «{name}» больше допустимого "
                f"({_encoded_size(part) // MB} МБ > {limit // MB} МБ)."
            )
            continue
        files.append(InboundFile(name[:200], _payload(part), part.get_content_type()))
    return tuple(files), refused


def _filename(part: Message) -> str:
    name = part.get_filename() or ""
    if "\ufffd" in name:  # raw 8-bit bytes in the header, which the parser replaced
        probe = Message()
        for header in ("Content-Disposition", "Content-Type"):
            if part.get(header) is not None:
                probe[header] = header_text(part, header)
        name = probe.get_filename() or name
    return decode_words(name)


def _encoded_size(part: Message) -> int:
    """The decoded size of a base64 part, told from its encoded length (decoding a 30 MB file
    only to refuse it would cost its size twice in memory); 0 for others: they are decoded and
    checked like any upload."""
    payload = part.get_payload()
    if (
        not isinstance(payload, str)
        or part.get("Content-Transfer-Encoding", "").strip().lower() != "base64"
    ):
        return 0
    length = len(payload) - sum(payload.count(c) for c in "\r\n \t=")
    return length * 3 // 4
