"""The SMS gateway behind one small interface. Veche ships no contract with an operator:
`ConsoleGateway` writes the message to the log (development, a closed network where an
officer reads codes out), `MemoryGateway` keeps it for tests. A real operator is one new
class with `send` and one entry in `GATEWAYS`."""

import logging
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway refused or could not be reached; the citizen is asked to try again."""


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleGateway:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


@dataclass
class MemoryGateway:
    outbox: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


MEMORY = MemoryGateway()
GATEWAYS: dict[str, SmsGateway] = {"console": ConsoleGateway(), "memory": MEMORY}


def gateway() -> SmsGateway:
    """The gateway named by VECHE_SMS_GATEWAY (an unknown name: the console)."""
    name = settings.VECHE_SMS_GATEWAY
    return GATEWAYS.get(name, GATEWAYS["console"])
