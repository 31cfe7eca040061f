"""What callers hand to the services: a new case, its author, a step of an imported history."""

from dataclasses import dataclass
from datetime import datetime

from veche.cases.models import Answer, Case
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel


@dataclass(frozen=True)
class CitizenData:
    full_name: str = ""
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    social_id: str = ""


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
