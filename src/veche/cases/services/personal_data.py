"""The author's personal data, shown in full only to those allowed, every time logged."""

from collections.abc import Iterable

from veche.cases.models import Case, Citizen, PersonalDataAccess
from veche.cases.services._common import _require
from veche.org.access import Action
from veche.org.models import User


def reveal_author(case: Case, *, by: User, purpose: str = "case_card") -> Citizen | None:
    """The author's full personal data, for those allowed; every reveal is logged."""
    _require(case, Action.VIEW_PERSONAL_DATA, by)
    if case.author_id is None:
        return None
    PersonalDataAccess.objects.create(
        user=by, citizen_id=case.author_id, case=case, purpose=purpose
    )
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
    PersonalDataAccess.objects.bulk_create(rows, batch_size=500)
    return len(rows)
