"""Trained model versions in the database, and which one is in use.

`veche train` stores every new version inactive (`store_topic_model`, `store_routing_model`);
`activate` switches one on, and switching back to an older version is the same call. The
pipeline asks `topic_model()` once per batch: one query for the active row, and the model is
parsed from its bytes only when that row changed, so a switch reaches every worker at its next
batch without a restart. The cache is keyed by the row and its checksum (the database stays
the truth); with no active version the shipped model serves.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet

from veche.org.models import Municipality
from veche.triage.model import TopicModel
from veche.triage.models import TrainedModel
from veche.triage.routing import RoutingModel
from veche.triage.topics import default_model

Kind = TrainedModel.Kind
T = TypeVar("T")
Key = tuple[str, int | None]  # kind, municipality id

# (kind, municipality id) → ((row id, checksum), parsed model): the last active one read.
_topics: dict[Key, tuple[tuple[int, str], TopicModel]] = {}
_routing: dict[Key, tuple[tuple[int, str], RoutingModel]] = {}


class UnknownVersion(LookupError):
    pass


def store_topic_model(model: TopicModel, *, report: dict[str, Any], now: datetime) -> TrainedModel:
    """A new inactive topic version; the model's own version becomes the stored one, so
    analyses record which version read them."""
    version = _new_version(Kind.TOPIC, None, now)
    data = model.with_meta(version=version).to_bytes()
    return _store(Kind.TOPIC, None, version, data, report, now)


def store_routing_model(
    model: RoutingModel, municipality: Municipality, *, report: dict[str, Any], now: datetime
) -> TrainedModel:
    """A new inactive routing version of the municipality (its departments' names)."""
    version = _new_version(Kind.ROUTING, municipality, now)
    stamped = RoutingModel(model.space, model.keys, model.head, model.meta | {"version": version})
    return _store(Kind.ROUTING, municipality, version, stamped.to_bytes(), report, now)


def activate(
    version: str, *, kind: str = Kind.TOPIC, municipality: Municipality | None = None
) -> TrainedModel:
    """Put this version in use and every other of its kind and municipality out of use."""
    with transaction.atomic(durable=True):
        rows = {
            row.version: row
            for row in _of(kind, municipality).select_for_update().defer("data").order_by()
        }
        if version not in rows:
            raise UnknownVersion(version)
        _of(kind, municipality).exclude(version=version).update(is_active=False)
        chosen = rows[version]
        if not chosen.is_active:
            chosen.is_active = True
            chosen.save(update_fields=["is_active"])
    return chosen


def deactivate(*, kind: str = Kind.TOPIC, municipality: Municipality | None = None) -> int:
    """Back to the shipped model (topics) or to no model (routing)."""
    with transaction.atomic(durable=True):
        return _of(kind, municipality).filter(is_active=True).update(is_active=False)


def versions(kind: str, municipality: Municipality | None = None) -> QuerySet[TrainedModel]:
    """The stored versions, newest first, without their bytes."""
    return _of(kind, municipality).defer("data")


def active_version(kind: str, municipality: Municipality | None = None) -> TrainedModel | None:
    return versions(kind, municipality).filter(is_active=True).first()


def topic_model() -> TopicModel:
    """The topic model in use: the active stored version, else the shipped one."""
    return _active(_topics, Kind.TOPIC, None, TopicModel.from_bytes) or default_model()


def routing_model(municipality: Municipality) -> RoutingModel | None:
    """The municipality's routing model in use; None while it has none (rules alone route)."""
    return _active(_routing, Kind.ROUTING, municipality, RoutingModel.from_bytes)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _of(kind: str, municipality: Municipality | None) -> QuerySet[TrainedModel]:
    return TrainedModel.objects.filter(kind=kind, municipality=municipality)


def _active(
    cache: dict[Key, tuple[tuple[int, str], T]],
    kind: str,
    municipality: Municipality | None,
    parse: Callable[[bytes], T],
) -> T | None:
    """The parsed active version: one small query, the bytes only when the version changed."""
    key: Key = (kind, municipality.pk if municipality else None)
    row = _of(kind, municipality).filter(is_active=True).values_list("pk", "report__sha256").first()
    if row is None:
        return None
    stamp = (row[0], str(row[1]))
    cached = cache.get(key)
    if cached is None or cached[0] != stamp:
        data = bytes(TrainedModel.objects.values_list("data", flat=True).get(pk=row[0]))
        if checksum(data) != stamp[1]:
            raise ValueError(f"модель {kind} #{row[0]}: контрольная сумма не совпадает")
        cache[key] = (stamp, parse(data))
        cached = cache[key]
    return cached[1]


def _store(
    kind: str,
    municipality: Municipality | None,
    version: str,
    data: bytes,
    report: dict[str, Any],
    now: datetime,
) -> TrainedModel:
    return TrainedModel.objects.create(
        kind=kind,
        municipality=municipality,
        version=version,
        trained_at=now,
        is_active=False,
        report=report | {"sha256": checksum(data), "size": len(data)},
        data=data,
    )


def _new_version(kind: str, municipality: Municipality | None, now: datetime) -> str:
    """`topic-20261123-091500`; a second one in the same second gets `-2`, `-3`…"""
    base = f"{kind}-{now:%Y%m%d-%H%M%S}"
    taken = set(
        _of(kind, municipality).filter(version__startswith=base).values_list("version", flat=True)
    )
    version, n = base, 1
    while version in taken:
        n += 1
        version = f"{base}-{n}"
    return version
