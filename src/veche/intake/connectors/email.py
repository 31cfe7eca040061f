"""E-mail: letters in an IMAP mailbox become cases; answers go back by SMTP.

The mailbox is opened read-only (EXAMINE): nothing is flagged, moved or deleted, so the
officers' mail client sees the mailbox as it was. What has been read is remembered in
`Source.cursor` as `{"uidvalidity": …, "uid": …}` (RFC 3501 §2.3.1.1), not by \\Seen flags, so
reading a letter in a mail client never hides it from Veche and a restart continues where the
last poll stopped. Every letter is keyed by its Message-ID (a hash of its header when it has
none), so even a rebuilt mailbox (a new UIDVALIDITY) never imports a letter twice.

Memory stays bounded: sizes are read first (RFC822.SIZE); a letter above `max_letter_mb` is
not downloaded, only its header and the first megabyte (its text, usually), and the timeline
says the rest stayed in the mailbox; one poll stops after `batch_mb`; an attachment larger than
VECHE_MAX_ATTACHMENT_BYTES is refused with a note before it is decoded.

Letters written by machines (auto-replies, bounces: RFC 3834 `Auto-Submitted`,
`multipart/report`) are skipped, so an autoresponder and our receipts cannot loop.

`Source.config` keys (only `host` and `username` are required):

    host              IMAP server
    port              993 with "ssl", 143 otherwise
    security          "ssl" (default) | "starttls" | "plain" (a trusted network only)
    username          mailbox login
    password          … or password_env: the name of an environment variable holding it
    folder            the folder to read, "INBOX"
    ca_file           a CA bundle to trust (a server with the municipality's own CA)
    timeout           seconds per network operation, 30
    regime            regime of new cases: "message" (default), "appeal" (59-ФЗ: a letter to
                      the administration is usually one, DOMAIN.md §1.2), "info_request"
    import_existing   true (default): the first poll takes the letters already there;
                      false: only letters that arrive after the first poll
    max_letter_mb     64: a larger letter is not downloaded whole (see above)
    batch_mb          64: a poll stops after downloading this much; the rest waits
    batch_letters     100: at most this many letters per poll
    smtp_host         SMTP server for answers; `host` by default
    smtp_port         465 with "ssl", 587 with "starttls", 25 with "plain"
    smtp_security     "starttls" (default) | "ssl" | "plain"
    smtp_username     `username` by default; "" for a relay without authentication
    smtp_password     … or smtp_password_env; the IMAP password by default
    from_address      the sender of answers, `username` by default
    from_name         its display name, e.g. "МЦУ Демо муниципального округа"
    send_receipt      true (default): a registration receipt goes back (intake services)
"""

import hashlib
import imaplib
import logging
import re
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.header import decode_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid, parseaddr
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.utils import timezone

from veche.cases.services import CitizenData
from veche.cases.workflow import Regime
from veche.catalog.models import Channel
from veche.intake.connectors.base import (
    ConnectorError,
    Inbound,
    InboundFile,
    PullOnly,
    config_secret,
)
from veche.intake.models import Outbound

if TYPE_CHECKING:
    from veche.intake.models import Source

log = logging.getLogger(__name__)

MB = 2**20
PREFIX_BYTES = MB  # what is read of a letter above the hard cap
HASHED = "sha256:"  # external ids of letters without a usable Message-ID
NO_BODY = "(письмо без текста)"
MAX_TEXT = 100_000  # characters of a letter's text kept on the case
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_DATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')
_SURROGATES = re.compile("[\udc80-\udcff]")
_SPACES = re.compile(r"[ \t\f\v\xa0]+")
_MSGID = re.compile(r"<([^<>\s]+)>")
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|ответ|отв|на)\s*(\[\d+\]|\(\d+\))?\s*:\s*)+", re.I)


@dataclass(frozen=True)
class Config:
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str
    ca_file: str
    timeout: float
    regime: Regime
    import_existing: bool
    max_letter_bytes: int
    batch_bytes: int
    batch_letters: int
    own_address: str

    @classmethod
    def of(cls, source: "Source") -> "Config":
        c = source.config
        security = _security(c.get("security", "ssl"))
        try:
            return cls._parse(c, security)
        except (TypeError, ValueError) as exc:
            raise ConnectorError(f"Неверные настройки почты: {exc}") from exc

    @classmethod
    def _parse(cls, c: dict[str, Any], security: str) -> "Config":
        return cls(
            host=_required(c, "host"),
            port=int(c.get("port") or (993 if security == "ssl" else 143)),
            security=security,
            username=_required(c, "username"),
            password=secret(c, "password"),
            folder=str(c.get("folder") or "INBOX"),
            ca_file=str(c.get("ca_file") or ""),
            timeout=float(c.get("timeout") or 30),
            regime=Regime(c.get("regime", Regime.MESSAGE)),
            import_existing=bool(c.get("import_existing", True)),
            max_letter_bytes=int(float(c.get("max_letter_mb", 64)) * MB),
            batch_bytes=int(float(c.get("batch_mb", 64)) * MB),
            batch_letters=int(c.get("batch_letters", 100)),
            own_address=str(c.get("from_address") or c.get("username") or "").lower(),
        )


def _required(config: dict[str, Any], key: str) -> str:
    value = str(config.get(key) or "").strip()
    if not value:
        raise ConnectorError(f"В настройках почты не задан параметр «{key}».")
    return value


def _security(value: object) -> str:
    if value not in ("ssl", "starttls", "plain"):
        raise ConnectorError(f"Неизвестный способ защиты «{value}»: ssl, starttls или plain.")
    return str(value)


def secret(config: dict[str, Any], key: str) -> str:
    """`config_secret`, with a clear error when the environment variable it names is unset."""
    value = config_secret(config, key)
    variable = config.get(f"{key}_env")
    if not value and variable:
        raise ConnectorError(f"Переменная окружения {variable} ({key}) не задана.")
    return value


def tls_context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file or None)


@dataclass(frozen=True)
class Letter:
    uid: int
    size: int
    arrived: datetime | None


class EmailConnector(PullOnly):
    channel: ClassVar[str] = Channel.Code.EMAIL
    shared_ids: ClassVar[bool] = True  # a Message-ID names one letter whatever the mailbox

    def fetch(self, source: "Source", now: datetime) -> Sequence[Inbound]:
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
                if (
                    inbounds
                    and spent + min(letter.size, config.max_letter_bytes) > config.batch_bytes
                ):
                    break  # the rest waits for the next poll
                spent += min(letter.size, config.max_letter_bytes)
                inbound = _read(imap, letter, config, now=now)
                if inbound is not None:
                    inbounds.append(inbound)
                last = letter.uid
            source.cursor = {"uidvalidity": validity, "uid": last}
        return inbounds

    def send(self, source: "Source", outbound: "Outbound") -> str:
        letter = reply_letter(source, outbound)
        smtp_send(source, letter)
        return str(letter["Message-ID"]).strip().strip("<>")


connector = EmailConnector()


# --- IMAP ---------------------------------------------------------------------------------------


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


# --- parsing ------------------------------------------------------------------------------------


def parse_letter(
    raw: bytes,
    *,
    received_at: datetime,
    regime: Regime = Regime.MESSAGE,
    with_files: bool = True,
    notes: Sequence[str] = (),
) -> Inbound | None:
    """What a letter says, as an Inbound; None when a machine wrote it (see module doc)."""
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


class _HtmlText(HTMLParser):
    BLOCKS = frozenset({
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "table", "ul", "ol", "section", "article",
    })  # fmt: skip
    HIDDEN = frozenset(("script", "style", "head", "title", "template"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML letter: tags and scripts dropped, blocks as lines."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- SMTP ---------------------------------------------------------------------------------------


def reply_letter(source: "Source", outbound: "Outbound") -> EmailMessage:
    """The letter to the citizen, a reply to their letters (In-Reply-To / References), so
    their mail client threads it and their answer threads back to the case."""
    case = outbound.case
    author = case.author
    if author is None or not author.email:
        raise ConnectorError(f"У заявителя обращения {case.number} нет адреса e-mail.")
    config = source.config
    sender = str(config.get("from_address") or config.get("username") or "")
    ids = [
        d.external_id
        for d in source.deliveries.filter(case=case).order_by("received_at", "pk")
        if not d.external_id.startswith(HASHED)
    ]
    letter = EmailMessage()
    try:
        letter["From"] = Address(str(config.get("from_name", "")), addr_spec=sender)
        letter["To"] = Address(author.full_name, addr_spec=author.email)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ConnectorError(f"Неверный адрес e-mail ({exc}).") from exc
    letter["Subject"] = reply_subject(case.subject, case.number)
    letter["Date"] = format_datetime(timezone.now().astimezone(UTC))
    letter["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "veche.local")
    if ids:
        letter["In-Reply-To"] = f"<{ids[-1]}>"
        letter["References"] = " ".join(f"<{i}>" for i in ids[-10:])
    if outbound.kind != Outbound.Kind.ANSWER:  # a receipt or a survey: Veche wrote it
        letter["Auto-Submitted"] = "auto-replied"
    letter.set_content(outbound.text)
    return letter


def reply_subject(subject: str, number: str) -> str:
    base = _REPLY_PREFIX.sub("", subject).strip()
    return f"Re: {base} [{number}]" if base else f"Обращение {number}"


def smtp_send(source: "Source", letter: EmailMessage) -> None:
    c = source.config
    security = _security(c.get("smtp_security", "starttls"))
    host = str(c.get("smtp_host") or c.get("host") or "")
    port = int(c.get("smtp_port") or {"ssl": 465, "starttls": 587, "plain": 25}[security])
    username = str(c.get("smtp_username", c.get("username", "")))
    where = f"SMTP {host}:{port}"
    context = tls_context(str(c.get("ca_file") or ""))
    timeout = float(c.get("timeout") or 30)
    try:
        client = (
            smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            if security == "ssl"
            else smtplib.SMTP(host, port, timeout=timeout)
        )
    except OSError as exc:
        raise ConnectorError(f"{where}: не удалось подключиться ({exc}).") from exc
    try:
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if username:
                key = "smtp_password" if _has_smtp_secret(c) else "password"
                client.login(username, secret(c, key))
            client.send_message(letter)
    except smtplib.SMTPAuthenticationError as exc:
        raise ConnectorError(f"{where}: сервер отклонил вход «{username}» ({exc}).") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ConnectorError(f"{where}: письмо не отправлено ({exc}).") from exc


def _has_smtp_secret(config: dict[str, Any]) -> bool:
    return "smtp_password" in config or "smtp_password_env" in config
