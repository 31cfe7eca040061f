"""Telegram: citizens write to the municipality's bot; each chat is a conversation.

Pulled with the Bot API's `getUpdates` (python-telegram-bot), the update offset is the cursor
(`Source.cursor = {"offset": N}`). Telegram keeps an update until a later `getUpdates` is
called with a higher offset, and the offset is saved only after every message was accepted
(`services.fetch_source`), so a crash re-fetches rather than loses.

A private message becomes a case (text or caption, the largest photo, an image or document
sent as a file, a location or venue); the next message in the same chat goes to its open case
(`services.accept`). `/start` and `/help` get the greeting and no case. Answers, receipts and
the satisfaction question go back into the chat as replies to the citizen's first message.

`Source.config` keys:
    token / token_env   the bot token from @BotFather, or the name of the environment variable
                        holding it (preferred: the token then never sits in the database).
    api_url             the Bot API server, default https://api.telegram.org (a local Bot API
                        server, or the tests' fake); methods at {api_url}/bot<token>/<method>,
                        files at {api_url}/file/bot<token>/<path>.
    wait                seconds `getUpdates` long-polls, default 0 (the scheduler polls every
                        `Source.poll_seconds`; a long wait holds a worker).
    greeting            the answer to /start, default `GREETING`.
    send_receipt        (services) confirm a new case with its number, default true.
"""

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.conf import settings
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, TelegramError
from telegram.request import HTTPXRequest

from veche.cases.services import CitizenData
from veche.catalog.models import Channel
from veche.intake import surveys
from veche.intake.connectors.base import (
    ConnectorError,
    Inbound,
    InboundFile,
    PullOnly,
    config_secret,
    split_text,
)
from veche.intake.models import Outbound

if TYPE_CHECKING:
    from veche.intake.models import Source

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_API = "https://api.telegram.org"
GREETING = (
    "Здравствуйте! Это официальный бот администрации. Опишите проблему одним или несколькими "
    "сообщениями: текст, фото, геопозиция. Мы зарегистрируем обращение и ответим здесь же."
)
UNSUPPORTED = "Пока мы принимаем текст, фото, документы и геопозицию. Опишите проблему текстом."
# The Bot API serves files up to 20 MB to bots; Veche may accept less (VECHE_MAX_ATTACHMENT_BYTES).
BOT_API_FILE_LIMIT = 20 * 2**20
MESSAGE_LIMIT = 4096
SURVEY_SCALE = range(1, 6)
CALLBACK_TEXT_LIMIT = 200  # what answerCallbackQuery shows
COMMANDS = ("/start", "/help")


@dataclass
class _Batch:
    """What one poll found: messages to accept, chats to greet or to tell what is accepted."""

    inbound: list[Inbound] = field(default_factory=list)
    replies: list[tuple[int, str]] = field(default_factory=list)
    marks: list["_Mark"] = field(default_factory=list)
    offset: int | None = None


@dataclass(frozen=True)
class _Mark:
    """A rating button pressed under the satisfaction question (`_survey_keyboard`)."""

    query_id: str
    chat_id: int
    case_id: int
    mark: int


class TelegramConnector(PullOnly):
    channel: ClassVar[str] = Channel.Code.TELEGRAM

    def fetch(self, source: "Source", now: datetime) -> Sequence[Inbound]:
        token = _token(source)
        offset = source.cursor.get("offset")
        batch = _run(token, _poll(_bot(source, token), source.config, offset))
        if batch.marks:
            _rate(source, token, batch.marks, now)
        if batch.offset is not None:
            source.cursor = {**source.cursor, "offset": batch.offset}
        return batch.inbound

    def send(self, source: "Source", outbound: Outbound) -> str:
        first = outbound.opening_delivery()
        if first is None or not first.conversation:
            raise ConnectorError("Обращение пришло не из этого бота: некуда отправить ответ.")
        chat_id = int(first.conversation)
        reply_to = int(first.external_id.rsplit(":", 1)[-1])
        keyboard = (
            _survey_keyboard(outbound.case_id) if outbound.kind == Outbound.Kind.SURVEY else None
        )
        token = _token(source)
        message_id = _run(
            token, _send(_bot(source, token), chat_id, outbound.text, reply_to, keyboard)
        )
        return _external_id(chat_id, message_id)


connector = TelegramConnector()


# --- plumbing -----------------------------------------------------------------------------------


def _token(source: "Source") -> str:
    token = config_secret(source.config, "token")
    if not token:
        raise ConnectorError("Не задан токен бота (token или token_env в параметрах источника).")
    return token


def _bot(source: "Source", token: str) -> Bot:
    api = str(source.config.get("api_url") or DEFAULT_API).rstrip("/")
    wait = int(source.config.get("wait", 0))
    return Bot(
        token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        request=HTTPXRequest(connection_pool_size=4, read_timeout=20, media_write_timeout=30),
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=wait + 10),
    )


def _run(token: str, work: Coroutine[Any, Any, T]) -> T:
    """Run the client's coroutine from sync code; its errors become a `ConnectorError` that
    never shows the token (the library puts it in some messages, e.g. a rejected token)."""
    try:
        return asyncio.run(work)
    except TelegramError as exc:
        raise ConnectorError(f"Telegram: {str(exc).replace(token, '***')}") from None


def _external_id(chat_id: int, message_id: int) -> str:
    return f"{chat_id}:{message_id}"


# --- receiving ----------------------------------------------------------------------------------


async def _poll(bot: Bot, config: dict[str, Any], offset: int | None) -> _Batch:
    batch = _Batch()
    async with bot:
        updates = await bot.get_updates(
            offset=offset,
            limit=100,
            timeout=int(config.get("wait", 0)),
            allowed_updates=["message", "callback_query"],
        )
        for update in updates:
            batch.offset = update.update_id + 1
            _read_mark(update, batch)
            await _read(bot, update, batch, greeting=str(config.get("greeting") or GREETING))
        # Greetings go out after the whole batch was read: a failure to greet must not make
        # the messages be fetched again, so it is only logged.
        for chat_id, text in batch.replies:
            try:
                await bot.send_message(chat_id, text)
            except TelegramError as exc:
                log.warning("telegram: could not reply to chat %s: %s", chat_id, exc)
    return batch


async def _read(bot: Bot, update: Update, batch: _Batch, *, greeting: str) -> None:
    message = update.message
    if message is None or message.chat.type != "private" or message.from_user is None:
        return  # the bot is for citizens' private chats; groups and channels are ignored
    if message.from_user.is_bot:
        return
    text = (message.text or message.caption or "").strip()
    command = text.split(maxsplit=1)[0].split("@")[0] if text.startswith("/") else ""
    if command in COMMANDS:
        batch.replies.append((message.chat.id, greeting))
        return
    files, notes = await _files(bot, message)
    lat, lon, address = _place(message)
    if lat is not None and not text:
        text = f"Геопозиция: {lat:.6f}, {lon:.6f}" + (f" ({address})" if address else "")
    if notes:
        text = "\n".join([text, *notes]).strip()
    if not text and not files:
        batch.replies.append((message.chat.id, UNSUPPORTED))
        return
    user = message.from_user
    batch.inbound.append(
        Inbound(
            external_id=_external_id(message.chat.id, message.message_id),
            text=text,
            received_at=message.date,
            author=CitizenData(full_name=user.full_name, social_id=f"tg://user?id={user.id}"),
            conversation=str(message.chat.id),
            reply_to=(
                (_external_id(message.chat.id, message.reply_to_message.message_id),)
                if message.reply_to_message
                else ()
            ),
            address_raw=address,
            lat=lat,
            lon=lon,
            files=tuple(files),
        )
    )


async def _files(bot: Bot, message: Message) -> tuple[list[InboundFile], list[str]]:
    """The largest size of a photo, or a document; a file Telegram will not hand over (too big)
    is named in the text instead, so the message itself is never lost."""
    wanted: list[tuple[str, str, int | None, str]] = []  # file id, name, size, mime
    if message.photo:
        photo = message.photo[-1]
        name = f"telegram-{message.chat.id}-{message.message_id}.jpg"
        wanted.append((photo.file_id, name, photo.file_size, "image/jpeg"))
    if message.document:
        doc = message.document
        name = doc.file_name or f"telegram-{message.message_id}"
        wanted.append((doc.file_id, name, doc.file_size, doc.mime_type or ""))
    limit = min(BOT_API_FILE_LIMIT, settings.VECHE_MAX_ATTACHMENT_BYTES)
    files: list[InboundFile] = []
    notes: list[str] = []
    for file_id, name, size, mime in wanted:
        if size is not None and size > limit:
            notes.append(f"(файл «{name}» не принят: больше {limit // 2**20} МБ)")
            continue
        try:
            remote = await bot.get_file(file_id)
            content = bytes(await remote.download_as_bytearray())
        except (BadRequest, EndPointNotFound) as exc:  # refused for good; a network error is not
            notes.append(f"(файл «{name}» не получен: {exc.message})")
            continue
        files.append(InboundFile(name, content, mime or "application/octet-stream"))
    return files, notes


def _place(message: Message) -> tuple[float | None, float | None, str]:
    if message.venue is not None:
        where = message.venue
        address = ", ".join(p for p in (where.title, where.address) if p)
        return where.location.latitude, where.location.longitude, address[:500]
    if message.location is not None:
        return message.location.latitude, message.location.longitude, ""
    return None, None, ""


# --- sending ------------------------------------------------------------------------------------


def _survey_keyboard(case_id: int) -> InlineKeyboardMarkup:
    """Buttons 1–5 under the satisfaction question; a press arrives as a callback query with
    data `survey:<case id>:<mark>` (`_read_mark`), rated by the feedback app (`_rate`)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(n), callback_data=f"survey:{case_id}:{n}")
                for n in SURVEY_SCALE
            ]
        ]
    )


async def _send(
    bot: Bot, chat_id: int, text: str, reply_to: int, keyboard: InlineKeyboardMarkup | None
) -> int:
    """Send the text (split at Telegram's 4096 characters) as a reply to the citizen's first
    message; the id of the first part is what a reply to it threads by."""
    parts = split_text(text, MESSAGE_LIMIT)
    sent_ids: list[int] = []
    async with bot:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            sent = await bot.send_message(
                chat_id,
                part,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True) if i == 0 else None
                ),
                reply_markup=keyboard if last else None,
            )
            sent_ids.append(sent.message_id)
    return sent_ids[0]


# --- rating buttons -----------------------------------------------------------------------------


def _read_mark(update: Update, batch: _Batch) -> None:
    """A press of a rating button, from a private chat. The data names a case: the feedback
    app accepts it only from the chat that case came from, so forged data rates nothing."""
    query = update.callback_query
    if query is None or query.message is None or query.message.chat.type != "private":
        return
    kind, _, rest = (query.data or "").partition(":")
    case_id, _, mark = rest.partition(":")
    if kind != "survey" or not case_id.isdigit() or not mark.isdigit():
        return
    if int(mark) in SURVEY_SCALE:
        batch.marks.append(_Mark(query.id, query.message.chat.id, int(case_id), int(mark)))


def _rate(source: "Source", token: str, marks: Sequence[_Mark], now: datetime) -> None:
    """Hand each mark to the feedback app (sync: it writes to the database), then answer the
    presses in the chat. A reply that fails is logged: the ratings are already kept."""
    replies = [
        (
            mark,
            surveys.rate_by_button(
                mark.case_id, mark.mark, source=source, conversation=str(mark.chat_id), at=now
            ),
        )
        for mark in marks
    ]
    try:
        _run(token, _answer_marks(_bot(source, token), replies))
    except ConnectorError as exc:
        log.warning("telegram: could not answer rating buttons: %s", exc)


async def _answer_marks(bot: Bot, replies: Sequence[tuple[_Mark, str]]) -> None:
    async with bot:
        for mark, text in replies:
            await bot.answer_callback_query(mark.query_id, text=text[:CALLBACK_TEXT_LIMIT])
            await bot.send_message(mark.chat_id, text)
