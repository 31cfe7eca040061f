"""The mailbox settings of a `Source` (keys in the package docstring), checked once per poll."""

import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from veche.cases.workflow import Regime
from veche.intake.connectors.base import ConnectorError, config_secret

if TYPE_CHECKING:
    from veche.intake.models import Source

MB = 2**20


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
        security = checked_security(c.get("security", "ssl"))
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


def checked_security(value: object) -> str:
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
