"""The author's personal data, shown in full only to those allowed, every time logged.

The log is append-only and hash-chained (DOMAIN.md §8 item 18, РСБ of Приказ ФСТЭК № 21),
one chain per municipality (of the citizen): a municipality's log is checked on its own, and
deleting a whole municipality (the demo) leaves the others' chains intact. Every row is
written by `_append`, which serialises the writers of a chain (an advisory lock on
PostgreSQL, the IMMEDIATE write lock on SQLite) so a chain never forks.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from veche.cases.models import Case, Citizen, PersonalDataAccess
from veche.cases.services._common import _require
from veche.org.access import Action
from veche.org.models import Municipality, User

# An arbitrary constant: the first key of the PostgreSQL advisory locks of the access-log
# chains (the second is the municipality's id).
_CHAIN_LOCK = 0x56504441


def reveal_author(case: Case, *, by: User, purpose: str = "case_card") -> Citizen | None:
    """The author's full personal data, for those allowed; every reveal is logged."""
    _require(case, Action.VIEW_PERSONAL_DATA, by)
    if case.author_id is None:
        return None
    _append([PersonalDataAccess(user=by, citizen_id=case.author_id, case=case, purpose=purpose)])
    return case.author


def log_exported_authors(cases: Iterable[Case], *, by: User, purpose: str = "export") -> int:
    """Log that `by` took the full personal data of these cases' authors out of the system
    (an export): one row per citizen per call, in bulk (DOMAIN.md §8 item 18). The caller has
    checked the right to see them, case by case. Returns how many rows were written."""
    rows, seen = [], set()
    for case in cases:
        if case.author_id is not None and case.author_id not in seen:
            seen.add(case.author_id)
            rows.append(
                PersonalDataAccess(user=by, citizen_id=case.author_id, case=case, purpose=purpose)
            )
    _append(rows)
    return len(rows)


def log_citizen_access(
    citizen: Citizen, *, by: User, purpose: str, case: Case | None = None
) -> PersonalDataAccess:
    """Log one read of a citizen's data that is not a case card (a subject's export). The
    caller has checked the right."""
    row = PersonalDataAccess(user=by, citizen=citizen, case=case, purpose=purpose)
    _append([row])
    return row


def _append(rows: list[PersonalDataAccess]) -> None:
    if not rows:
        return
    citizen_ids = {row.citizen_id for row in rows}
    municipality_of = dict(
        Citizen.objects.filter(pk__in=citizen_ids).values_list("pk", "municipality_id")
    )
    with transaction.atomic():
        chains = sorted(set(municipality_of.values()))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for municipality_id in chains:  # in id order: two writers never deadlock
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK, municipality_id]
                    )
        previous = {m: _last_link(m) for m in chains}
        now = timezone.now()
        for row in rows:
            chain = municipality_of[row.citizen_id]
            row.at = now
            row.case_ref = row.case_id
            row.chain_hash = previous[chain] = row.expected_hash(previous[chain])
        PersonalDataAccess.objects.bulk_create(rows, batch_size=500)


def _last_link(municipality_id: int) -> str:
    return (
        PersonalDataAccess.objects.filter(citizen__municipality_id=municipality_id)
        .order_by("-pk")
        .values_list("chain_hash", flat=True)
        .first()
        or ""
    )


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the access log: how many rows, and the first broken one."""

    rows: int
    broken_at: int | None  # the id of the first row whose link does not match

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_access_chain(municipality_ids: Iterable[int] | None = None) -> ChainCheck:
    """Recompute every link of the given municipalities' chains (all when None) in order; a
    row changed, inserted or deleted in the middle shows as the first row whose stored link
    differs. The last rows deleted leave no trace here: compare the count with a copy."""
    if municipality_ids is None:
        municipality_ids = Municipality.objects.order_by("pk").values_list("pk", flat=True)
    total = 0
    for municipality_id in municipality_ids:
        check = _verify_chain(municipality_id)
        total += check.rows
        if not check.intact:
            return ChainCheck(rows=total, broken_at=check.broken_at)
    return ChainCheck(rows=total, broken_at=None)


def _verify_chain(municipality_id: int, chunk: int = 2_000) -> ChainCheck:
    previous, count, last = "", 0, 0
    rows = PersonalDataAccess.objects.filter(citizen__municipality_id=municipality_id)
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk")[:chunk])
        if not batch:
            return ChainCheck(rows=count, broken_at=None)
        for row in batch:
            if row.chain_hash != row.expected_hash(previous):
                return ChainCheck(rows=count, broken_at=row.pk)
            previous, count, last = row.chain_hash, count + 1, row.pk
