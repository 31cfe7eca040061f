"""What the pages show, in the words people use: masked authors, a readable timeline, the
workflow's next steps as buttons. Pure presentation over already-read objects."""

from dataclasses import dataclass
from typing import Any

from veche.cases.masking import mask_address, mask_email, mask_name, mask_phone
from veche.cases.models import Answer, Case, Citizen, Event
from veche.cases.selectors import case_timeline
from veche.cases.workflow import Regime, Status, allowed_transitions
from veche.catalog.models import Channel, Topic
from veche.org.models import User
from veche.org.selectors import visible_departments

REGIME_SHORT: dict[str, str] = {
    Regime.APPEAL: "59-ФЗ",
    Regime.MESSAGE: "сообщение",
    Regime.INCIDENT: "инцидент",
    Regime.INFO_REQUEST: "8-ФЗ",
}
# Short names for the narrow columns of the list; the full name is the cell's tooltip.
CHANNEL_SHORT: dict[str, str] = {
    "pos": "ПОС",
    "im": "ИМ",
    "email": "e-mail",
    "telegram": "Telegram",
    "vk": "ВКонтакте",
    "ok": "ОК",
    "web_form": "сайт",
    "phone": "телефон",
    "reception": "личный приём",
    "letter": "письмо",
    "api": "API",
    "open311": "Open311",
}
NO_RIGHTS = "Недостаточно прав для этого действия."


@dataclass(frozen=True)
class AuthorView:
    """The author as the card shows them: masked, or in full after a logged reveal."""

    full_name: str
    phone: str
    email: str
    postal_address: str
    social_id: str
    revealed: bool


def author_view(citizen: Citizen | None, *, revealed: bool) -> AuthorView | None:
    if citizen is None:
        return None
    if revealed:
        return AuthorView(
            citizen.full_name,
            citizen.phone,
            citizen.email,
            citizen.postal_address,
            citizen.social_id,
            revealed=True,
        )
    return AuthorView(
        mask_name(citizen.full_name),
        mask_phone(citizen.phone) if citizen.phone else "",
        mask_email(citizen.email) if citizen.email else "",
        mask_address(citizen.postal_address),
        "скрыт" if citizen.social_id else "",
        revealed=False,
    )


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    actor: str
    changes: list[Change]


CHANGE_LABELS: dict[str, str] = {
    "status": "статус",
    "department": "исполнитель",
    "topic": "тема",
    "channel": "канал",
    "regime": "режим",
    "kind": "вид ответа",
    "priority": "приоритет",
    "via": "канал",
    "address": "место",
    "name": "файл",
}


def timeline(user: User, case: Case) -> list[TimelineEntry]:
    """The events, newest first, with ids and codes turned into the names people use."""
    events = list(case_timeline(case))
    ids: dict[str, set[int]] = {"department": set(), "topic": set()}
    for event in events:
        for payload in (event.before, event.after):
            for key, found in ids.items():
                if isinstance(payload.get(key), int):
                    found.add(payload[key])
    names: dict[str, dict[Any, str]] = {
        "department": {
            d.pk: str(d) for d in visible_departments(user).filter(pk__in=ids["department"])
        },
        "topic": dict(Topic.objects.filter(pk__in=ids["topic"]).values_list("pk", "name")),
        "channel": dict(Channel.objects.values_list("code", "name")),
        # "manual": an officer marked the answer sent (cases.services.status.change_status).
        "via": dict(Channel.objects.values_list("code", "name")) | {"manual": "вручную"},
        "status": dict(Status.choices),
        "regime": dict(Regime.choices),
        "kind": dict(Answer.Kind.choices),
        "priority": dict(Case.Priority.choices),
    }
    empty = {"department": "не назначен", "topic": "без темы"}

    def show(key: str, value: object) -> str:
        if value is None:
            return empty.get(key, "—")
        if not isinstance(value, int | str):
            return str(value)
        return names.get(key, {}).get(value, str(value))

    def changes(event: Event) -> list[Change]:
        keys = [k for k in dict.fromkeys([*event.before, *event.after]) if k in CHANGE_LABELS]
        return [
            Change(
                CHANGE_LABELS[k],
                show(k, event.before[k]) if k in event.before else "",
                show(k, event.after.get(k)),
            )
            for k in keys
        ]

    return [
        TimelineEntry(e, e.actor.display_name if e.actor else "система", changes(e))
        for e in reversed(events)
    ]


TRANSITION_VERBS: dict[Status, str] = {
    Status.REGISTERED: "Зарегистрировать",
    Status.ASSIGNED: "Вернуть исполнителю",
    Status.IN_WORK: "Взять в работу",
    Status.INTERIM_ANSWER: "Дан промежуточный ответ",
    Status.EXTENDED: "Продлить срок",
    Status.ON_HOLD: "Приостановить",
    Status.ANSWER_APPROVED: "Согласовать ответ",
    Status.ANSWERED: "Ответ направлен",
    Status.CLOSED: "Закрыть",
    Status.REOPENED: "Возобновить",
    Status.REDIRECTED: "Переадресовать",
    Status.MERGED: "Объединено",
    Status.REJECTED: "Отклонить (спам)",
}
# A final draft moves the case on by itself (the answer form); merging needs the case to merge
# into, which a status button cannot say (a merge service with a target is still to come).
WITHOUT_BUTTON = frozenset({Status.ANSWER_DRAFTED, Status.MERGED})
DANGEROUS = frozenset({Status.REJECTED, Status.CLOSED})


@dataclass(frozen=True)
class TransitionButton:
    status: Status
    verb: str
    danger: bool


def transitions(case: Case, *, can_approve: bool) -> list[TransitionButton]:
    allowed = allowed_transitions(Status(case.status), Regime(case.regime)) - WITHOUT_BUTTON
    if not can_approve:
        allowed -= {Status.ANSWER_APPROVED}
    if case.department_id is None:  # routing goes through the assign form, with a department
        allowed -= {Status.ASSIGNED}
    returning = Status(case.status) in (Status.ANSWER_DRAFTED, Status.ANSWER_APPROVED)
    return [
        TransitionButton(
            s,
            "Вернуть на доработку" if returning and s == Status.IN_WORK else _verb(s),
            s in DANGEROUS,
        )
        for s in Status
        if s in allowed
    ]


def _verb(status: Status) -> str:
    return TRANSITION_VERBS.get(status, status.label)
