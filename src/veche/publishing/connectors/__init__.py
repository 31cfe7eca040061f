"""One module per network behind the small interface of `base.PageConnector`."""

from veche.publishing.connectors import ok, telegram, vk
from veche.publishing.connectors.base import PageConnector
from veche.publishing.models import Network

CONNECTORS: dict[str, PageConnector] = {
    Network.VK: vk.connector,
    Network.OK: ok.connector,
    Network.TELEGRAM: telegram.connector,
}


def connector_for(network: str) -> PageConnector:
    return CONNECTORS[network]
