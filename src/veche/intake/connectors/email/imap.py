"""Reading the mailbox: read-only, from the cursor on, sizes first, within the poll's caps."""

import hashlib
import imaplib
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from veche.intake.connectors.base import ConnectorError, Inbound
from veche.intake.connectors.email.config import MB, Config, tls_context
from veche.intake.connectors.email.letters import HASHED, parse_letter

if TYPE_CHECKING:
    from veche.intake.models import Source

log = logging.getLogger(__name__)

PREFIX_BYTES = MB  # what is read of a letter above the hard cap
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_DATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')


@dataclass(frozen=True)
class Letter:
    uid: int
    size: int
    arrived: datetime | None


def fetch_letters(source: "Source", *, now: datetime) -> Sequence[Inbound]:
    """The letters after `source.cursor`, within the poll's caps; moves the cursor past them."""
    config = Config.of(source)
    with imap_session(config) as imap:
        validity = _uidvalidity(imap)
        cursor = source.cursor or {}
        last = int(cursor.get("uid", 0)) if cursor.get("uidvalidity") == validity else 0
        new = _uids_after(imap, last)
        if not cursor and not config.import_existing:
            source.cursor = {"uidvalidity": validity, "uid": max(new, default=0)}
            return ()
        inbounds: list[Inbound] = []
        spent = 0
        for letter in _sizes(imap, new[: config.batch_letters]):
            if inbounds and spent + min(letter.size, config.max_letter_bytes) > config.batch_bytes:
                break  # the rest waits for the next poll
            spent += min(letter.size, config.max_letter_bytes)
            inbound = _read(imap, letter, config, now=now)
            if inbound is not None:
                inbounds.append(inbound)
            last = letter.uid
        source.cursor = {"uidvalidity": validity, "uid": last}
    return inbounds


@contextmanager
def imap_session(config: Config) -> Iterator[imaplib.IMAP4]:
    """A logged-in session with the folder open read-only; every failure is a ConnectorError."""
    where = f"IMAP {config.host}:{config.port}"
    try:
        imap = _connect(config)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ConnectorError(f"{where}: не удалось подключиться ({exc}).") from exc
    try:
        try:
            imap.login(config.username, config.password)
        except imaplib.IMAP4.error as exc:
            raise ConnectorError(
                f"{where}: сервер отклонил вход «{config.username}» ({_text(exc)})."
            ) from exc
        status, data = imap.select(_quoted(config.folder), readonly=True)
        if status != "OK":
            raise ConnectorError(f"{where}: нет папки «{config.folder}» ({_text(data)}).")
        yield imap
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ConnectorError(f"{where}: {_text(exc)}") from exc
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            log.debug("IMAP logout failed", exc_info=True)


def _connect(config: Config) -> imaplib.IMAP4:
    if config.security == "ssl":
        return imaplib.IMAP4_SSL(
            config.host,
            config.port,
            ssl_context=tls_context(config.ca_file),
            timeout=config.timeout,
        )
    imap = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    if config.security == "starttls":
        imap.starttls(ssl_context=tls_context(config.ca_file))
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Exception) and value.args and isinstance(value.args[0], bytes):
        return value.args[0].decode("utf-8", "replace")
    return str(value)


def _uidvalidity(imap: imaplib.IMAP4) -> int:
    _, data = imap.response("UIDVALIDITY")
    if not data or data[0] is None:
        raise ConnectorError("IMAP: сервер не сообщил UIDVALIDITY папки.")
    return int(data[0])


def _uids_after(imap: imaplib.IMAP4, last: int) -> list[int]:
    status, data = imap.uid("SEARCH", f"UID {last + 1}:*")
    if status != "OK":
        raise ConnectorError(f"IMAP: поиск новых писем не удался ({_text(data)}).")
    found = (int(n) for n in b" ".join(d for d in data if isinstance(d, bytes)).split())
    # «N:*» always matches the last letter, even one already read.
    return sorted(uid for uid in found if uid > last)


def _sizes(imap: imaplib.IMAP4, uids: Sequence[int]) -> list[Letter]:
    if not uids:
        return []
    status, data = imap.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE INTERNALDATE)")
    if status != "OK":
        raise ConnectorError(f"IMAP: не удалось узнать размеры писем ({_text(data)}).")
    letters = {}
    for line in data:
        head = line[0] if isinstance(line, tuple) else line
        uid, size = _UID.search(head or b""), _SIZE.search(head or b"")
        if uid is None or size is None:
            continue
        date = _DATE.search(head or b"")
        letters[int(uid[1])] = Letter(int(uid[1]), int(size[1]), _internaldate(date))
    return [letters[uid] for uid in uids if uid in letters]


def _internaldate(match: re.Match[bytes] | None) -> datetime | None:
    if match is None:
        return None
    try:
        return datetime.strptime(match[1].decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _body(imap: imaplib.IMAP4, uid: int, section: str) -> bytes:
    status, data = imap.uid("FETCH", str(uid), f"(BODY.PEEK[]{section})")
    if status != "OK":
        raise ConnectorError(f"IMAP: не удалось прочитать письмо UID {uid} ({_text(data)}).")
    for item in data:
        if isinstance(item, tuple) and b"BODY[" in item[0]:
            return bytes(item[1])
    raise ConnectorError(f"IMAP: сервер не вернул письмо UID {uid}.")


def _read(imap: imaplib.IMAP4, letter: Letter, config: Config, *, now: datetime) -> Inbound | None:
    """One letter as an Inbound; None for a letter written by a machine."""
    whole = letter.size <= config.max_letter_bytes
    raw = _body(imap, letter.uid, "" if whole else f"<0.{PREFIX_BYTES}>")
    notes = []
    if not whole:
        notes.append(
            f"Письмо размером {letter.size / MB:.0f} МБ больше предела "
            f"{config.max_letter_bytes / MB:.0f} МБ: загружены только заголовки и начало текста, "
            f"вложения остались в почтовом ящике (папка «{config.folder}», UID {letter.uid})."
        )
    received_at = letter.arrived or now
    try:
        inbound = parse_letter(
            raw, received_at=received_at, regime=config.regime, with_files=whole, notes=notes
        )
    except Exception:  # a letter we cannot read must not stop the mailbox
        log.exception("letter UID %s could not be parsed", letter.uid)
        return Inbound(
            external_id=HASHED + hashlib.sha256(raw).hexdigest(),
            text=f"(письмо не удалось разобрать, см. почтовый ящик: папка «{config.folder}», "
            f"UID {letter.uid})",
            received_at=received_at,
            regime=config.regime,
            notes=notes,
        )
    if (
        inbound is not None
        and inbound.author
        and inbound.author.email.lower() == config.own_address
    ):
        return None  # a copy of our own letter (a Bcc to the mailbox)
    return inbound
