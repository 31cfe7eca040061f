"""Typed readers of environment variables that fail loudly on a bad value.

Every variable the settings read is listed in ``VARIABLES`` with its default and meaning;
the README documents the same list and a test keeps the two in agreement.
"""

import os

from django.core.exceptions import ImproperlyConfigured

VARIABLES: dict[str, str] = {}


def _raw(name: str, default: str, doc: str) -> str:
    VARIABLES[name] = doc
    return os.environ.get(name, default)


def env_str(name: str, default: str, doc: str) -> str:
    return _raw(name, default, doc)


def env_bool(name: str, default: bool, doc: str) -> bool:
    value = _raw(name, "1" if default else "0", doc).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}: expected a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int, doc: str) -> int:
    value = _raw(name, str(default), doc)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected an integer, got {value!r}") from None


def env_list(name: str, default: list[str], doc: str) -> list[str]:
    value = _raw(name, ",".join(default), doc)
    return [item.strip() for item in value.split(",") if item.strip()]
