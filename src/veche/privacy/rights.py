"""Who manages personal data: the МЦУ's head, deputy head and administrator, municipality-wide
(the roles holding `Action.CONFIGURE`; ПП РФ от 21.03.2012 № 211 asks for a person
responsible for processing — DOMAIN.md §7.1)."""

from django.contrib.auth.models import AnonymousUser

from veche.org.access import Action
from veche.org.models import User
from veche.org.selectors import actor_scope
from veche.privacy.errors import ErrorCode, PrivacyError


def managed_municipality_ids(actor: User | AnonymousUser) -> frozenset[int]:
    """The municipalities whose personal data the actor manages."""
    return actor_scope(actor).municipality_ids(Action.CONFIGURE)


def require_manager(municipality_id: int, by: User | None) -> None:
    """Raise unless `by` manages the municipality's personal data; `None` is the system."""
    if by is None:
        return
    if municipality_id not in managed_municipality_ids(by):
        raise PrivacyError(ErrorCode.FORBIDDEN, "Недостаточно прав для этого действия.")
