"""The case workflow as data: statuses, regimes and the allowed transitions.

`change_status` (services/status.py) is the only writer of `Case.status`; it consults this table.
Sources are DOMAIN.md sections and the articles of 59-ФЗ / 8-ФЗ they cite.
"""

from django.db import models


class Regime(models.TextChoices):
    """The legal regime of a case, kept separate from its channel (DOMAIN.md §8 item 1)."""

    APPEAL = "appeal", "Обращение (59-ФЗ)"
    MESSAGE = "message", "Сообщение"
    INCIDENT = "incident", "Инцидент (соцсети)"
    INFO_REQUEST = "info_request", "Запрос информации (8-ФЗ)"


class Status(models.TextChoices):
    NEW = "new", "Новое"
    REGISTERED = "registered", "Зарегистрировано"
    ASSIGNED = "assigned", "Назначено"
    IN_WORK = "in_work", "В работе"
    INTERIM_ANSWER = "interim_answer", "Промежуточный ответ"
    EXTENDED = "extended", "Срок продлён"
    ON_HOLD = "on_hold", "Приостановлено"
    ANSWER_DRAFTED = "answer_drafted", "Проект ответа"
    ANSWER_APPROVED = "answer_approved", "Ответ согласован"
    ANSWERED = "answered", "Ответ направлен"
    CLOSED = "closed", "Закрыто"
    REOPENED = "reopened", "Возобновлено"
    REDIRECTED = "redirected", "Переадресовано"
    MERGED = "merged", "Объединено"
    REJECTED = "rejected", "Отклонено (спам)"


S = Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    # Registration within 3 days of receipt: 59-ФЗ ст. 8 ч. 2 (DOMAIN.md §1.1).
    S.NEW: frozenset({S.REGISTERED, S.REJECTED, S.MERGED}),
    # Redirect to the competent body within 7 days: 59-ФЗ ст. 8 ч. 3.
    S.REGISTERED: frozenset({S.ASSIGNED, S.REDIRECTED, S.ON_HOLD, S.MERGED, S.REJECTED}),
    S.ASSIGNED: frozenset({S.IN_WORK, S.ASSIGNED, S.REDIRECTED, S.ON_HOLD, S.MERGED}),
    S.IN_WORK: frozenset(
        {
            S.ANSWER_DRAFTED,
            S.INTERIM_ANSWER,
            S.EXTENDED,
            S.ON_HOLD,
            S.ASSIGNED,
            S.REDIRECTED,
            S.MERGED,
        }
    ),
    # An interim answer promises a date and keeps the case open (GLOSSARY.md).
    S.INTERIM_ANSWER: frozenset({S.IN_WORK, S.ANSWER_DRAFTED, S.EXTENDED, S.ON_HOLD, S.ASSIGNED}),
    # One extension of ≤ 30 days with notice: 59-ФЗ ст. 12 ч. 2; 8-ФЗ ст. 18 ч. 6.
    S.EXTENDED: frozenset({S.IN_WORK, S.ANSWER_DRAFTED, S.INTERIM_ANSWER, S.ON_HOLD, S.ASSIGNED}),
    # Paused while waiting for the citizen or for documents (59-ФЗ ст. 10 ч. 2).
    S.ON_HOLD: frozenset({S.IN_WORK, S.ASSIGNED, S.REGISTERED}),
    # Approval step before an answer goes out; rework returns it (DOMAIN.md §8 item 11).
    S.ANSWER_DRAFTED: frozenset({S.ANSWER_APPROVED, S.IN_WORK}),
    S.ANSWER_APPROVED: frozenset({S.ANSWERED, S.IN_WORK}),
    S.ANSWERED: frozenset({S.CLOSED, S.REOPENED}),
    # Reopened when the citizen is not satisfied (DOMAIN.md §8 item 12).
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.IN_WORK, S.REDIRECTED}),
    S.REDIRECTED: frozenset({S.CLOSED}),
    S.MERGED: frozenset({S.REOPENED}),
    S.REJECTED: frozenset({S.REOPENED}),
}

# Statuses a regime never enters. An extension exists in law only for 59-ФЗ appeals
# (ст. 12 ч. 2) and 8-ФЗ requests (ст. 18 ч. 6); messages and incidents follow their regulations.
FORBIDDEN_IN_REGIME: dict[Regime, frozenset[Status]] = {
    Regime.APPEAL: frozenset(),
    Regime.INFO_REQUEST: frozenset(),
    Regime.MESSAGE: frozenset({S.EXTENDED}),
    Regime.INCIDENT: frozenset({S.EXTENDED}),
}

OPEN_STATUSES = frozenset(set(Status) - {S.ANSWERED, S.CLOSED, S.REDIRECTED, S.MERGED, S.REJECTED})
# Statuses from which assigning a department moves the case to ASSIGNED.
ASSIGNABLE_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if S.ASSIGNED in targets)


def allowed_transitions(status: Status, regime: Regime) -> frozenset[Status]:
    return TRANSITIONS[status] - FORBIDDEN_IN_REGIME[regime]


def is_allowed(current: Status, target: Status, regime: Regime) -> bool:
    return target in allowed_transitions(current, regime)
