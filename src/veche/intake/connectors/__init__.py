"""Channel connectors: one module per outside system, each exposing `connector` (see base.py).

A new channel is one new module here and one line in `MODULES`.
"""

from importlib import import_module

from veche.intake.connectors.base import Connector

# Channel code → module under veche.intake.connectors.
MODULES: dict[str, str] = {
    "email": "email",
    "telegram": "telegram",
    "vk": "vk",
    "api": "webhook",
}


def connector_for(channel_code: str) -> Connector:
    try:
        module = MODULES[channel_code]
    except KeyError:
        raise LookupError(f"Для канала «{channel_code}» нет подключения.") from None
    found: Connector = import_module(f"veche.intake.connectors.{module}").connector
    return found
