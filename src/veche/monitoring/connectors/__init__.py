"""One module per public network watched, each exposing `connector` (see `base`)."""

from veche.monitoring.connectors import rss, telegram, vk
from veche.monitoring.connectors.base import FieldConnector
from veche.monitoring.models import SourceKind

CONNECTORS: dict[str, FieldConnector] = {
    SourceKind.RSS: rss.connector,
    SourceKind.VK: vk.connector,
    SourceKind.TELEGRAM: telegram.connector,
}


def connector_for(kind: str) -> FieldConnector:
    return CONNECTORS[kind]
