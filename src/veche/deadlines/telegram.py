"""The staff bot: the daily digest sent to a member of staff's chat (`StaffContact`).

One call of the Bot API, `sendMessage`, through python-telegram-bot, with the installation's
staff bot (VECHE_STAFF_TELEGRAM_TOKEN; the citizens' bots are the intake's sources and never
carry staff mail). VECHE_STAFF_TELEGRAM_API_URL points it at a local Bot API server, or at the
tests' fake.
"""

import asyncio

from django.conf import settings
from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.request import HTTPXRequest

MESSAGE_LIMIT = 4096


class TelegramSendError(Exception):
    """The message did not go. `permanent`: the chat is gone or blocked the bot, sending
    again will not help; otherwise Telegram or the network failed for now."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def staff_bot_configured() -> bool:
    return bool(settings.VECHE_STAFF_TELEGRAM_TOKEN)


def send_message(chat_id: str, text: str) -> None:
    """Send `text` (cut to Telegram's limit) to the chat, or raise `TelegramSendError`,
    whose message never shows the token."""
    token = settings.VECHE_STAFF_TELEGRAM_TOKEN
    api = settings.VECHE_STAFF_TELEGRAM_API_URL.rstrip("/")
    bot = Bot(
        token,
        base_url=f"{api}/bot",
        request=HTTPXRequest(connection_pool_size=1, read_timeout=20),
    )

    async def send() -> None:
        async with bot:
            await bot.send_message(int(chat_id), text[:MESSAGE_LIMIT])

    try:
        asyncio.run(send())
    except (ValueError, TelegramError) as exc:
        permanent = isinstance(exc, ValueError | BadRequest | Forbidden)
        raise TelegramSendError(
            f"Telegram: {str(exc).replace(token, '***')}", permanent=permanent
        ) from None
