"""Answers, receipts and surveys go back by SMTP, as replies in the citizen's thread."""

import re
import smtplib
from datetime import UTC
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from veche.intake.connectors.base import ConnectorError
from veche.intake.connectors.email.config import checked_security, secret, tls_context
from veche.intake.connectors.email.letters import HASHED
from veche.intake.models import Outbound

if TYPE_CHECKING:
    from veche.intake.models import Source

_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|ответ|отв|на)\s*(\[\d+\]|\(\d+\))?\s*:\s*)+", re.I)


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
    security = checked_security(c.get("smtp_security", "starttls"))
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
