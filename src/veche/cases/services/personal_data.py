"""The author's personal data, shown in full only to those allowed, every time logged."""

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
