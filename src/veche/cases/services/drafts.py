"""What callers hand to the services: a new case, its author, a step of an imported history."""

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Self

from veche.cases.models import Answer, Case
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel


def without_nul(record: Any) -> Any:
    """A copy of a dataclass with NUL characters dropped from its text fields: PostgreSQL
    cannot store them, and no channel, import or API caller should turn one into a 500."""
    changes = {
        f.name: value.replace("\x00", "")
        for f in fields(record)
        if isinstance(value := getattr(record, f.name), str) and "\x00" in value
    }
    return replace(record, **changes) if changes else record


@dataclass(frozen=True)
class CitizenData:
    full_name: str = ""
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    social_id: str = ""

    def storable(self) -> Self:
        cleaned: Self = without_nul(self)
        return cleaned


@dataclass(frozen=True)
class CaseDraft:
    """What a channel knows about a new case."""

    channel: Channel
    regime: Regime
    text: str
    received_at: datetime
    external_id: str = ""
    subject: str = ""
    author: CitizenData | None = None
    address_raw: str = ""
    lat: float | None = None
    lon: float | None = None
    territory_id: int | None = None
    topic_id: int | None = None
    priority: int = Case.Priority.NORMAL

    def storable(self) -> Self:
        """This draft as the database can hold it (see `without_nul`)."""
        cleaned: Self = without_nul(self)
        if cleaned.author is not None:
            cleaned = replace(cleaned, author=cleaned.author.storable())
        return cleaned


@dataclass(frozen=True)
class Step:
    """One thing that already happened to a case, for importing a history (exports, demo).

    Exactly one of `status`, `department_id`, `answer_text` or `comment` alone is the change.
    """

    at: datetime
    status: Status | None = None
    department_id: int | None = None
    answer_text: str = ""
    answer_kind: Answer.Kind = Answer.Kind.FINAL
    comment: str = ""
    actor_id: int | None = None
    # With status MERGED: the external id of the case this one was merged into, recorded
    # earlier in the same call or before it.
    merge_into: str = ""
