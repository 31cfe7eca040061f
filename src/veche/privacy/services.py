"""Changes to retention terms and legal holds; each checks the actor's right and runs in
one transaction. Destruction itself is in purge.py, the subject's export in export.py."""

from datetime import datetime

from django.db import transaction

from veche.cases.models import Case
from veche.cases.workflow import Regime, Status
from veche.org.models import Municipality, User
from veche.privacy.errors import ErrorCode, PrivacyError
from veche.privacy.models import LegalHold, RetentionRule
from veche.privacy.rights import require_manager

MAX_RETENTION_DAYS = 100 * 366  # «постоянно» is a legal hold, not a term


def set_retention_rule(
    municipality: Municipality,
    *,
    regime: str,
    status: str,
    days: int,
    by: User | None,
    now: datetime,
) -> RetentionRule:
    """Create or change the term for (regime, final status) of a municipality; empty regime
    or status means «any»."""
    require_manager(municipality.pk, by)
    if regime and regime not in Regime.values:
        raise PrivacyError(ErrorCode.INVALID, f"Неизвестный режим «{regime}».")
    if status and status not in Status.values:
        raise PrivacyError(ErrorCode.INVALID, f"Неизвестный статус «{status}».")
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise PrivacyError(ErrorCode.INVALID, f"Срок хранения — от 1 до {MAX_RETENTION_DAYS} дней.")
    with transaction.atomic():
        rule, _ = RetentionRule.objects.select_for_update().update_or_create(
            municipality=municipality,
            regime=regime,
            status=status,
            defaults={"days": days, "changed_by": by, "changed_at": now},
        )
    return rule


def delete_retention_rule(rule: RetentionRule, *, by: User | None) -> None:
    require_manager(rule.municipality_id, by)
    with transaction.atomic():
        RetentionRule.objects.filter(pk=rule.pk).delete()


def place_legal_hold(case: Case, *, reason: str, by: User | None, now: datetime) -> LegalHold:
    """Forbid destroying the case's personal data until the hold is released."""
    require_manager(case.municipality_id, by)
    reason = reason.strip()
    if not reason:
        raise PrivacyError(ErrorCode.INVALID, "Укажите основание запрета уничтожения.")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        active = LegalHold.objects.filter(case=locked, released_at=None).first()
        if active is not None:
            raise PrivacyError(
                ErrorCode.INVALID, f"На обращение {locked.number} уже действует запрет."
            )
        return LegalHold.objects.create(
            case=locked, reason=reason[:500], placed_by=by, placed_at=now
        )


def release_legal_hold(hold: LegalHold, *, by: User | None, now: datetime) -> LegalHold:
    require_manager(hold.case.municipality_id, by)
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if locked.released_at is not None:
            raise PrivacyError(ErrorCode.INVALID, "Запрет уже снят.")
        locked.released_by = by
        locked.released_at = now
        locked.save(update_fields=["released_by", "released_at"])
    return locked
