"""`/api/v1/departments`: the bodies cases are routed to, in the caller's municipalities."""

from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError

from veche.org.models import Department, User
from veche.org.selectors import visible_departments

router = Router(tags=["Справочники"])

# A database id in a request: a larger number is refused with 422 instead of overflowing the
# database's 64-bit integer (a 500 found by schemathesis).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def api_user(request: HttpRequest) -> User:
    """The staff member behind an API call (token or session); 401 if there is none."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError
    return user


class DepartmentOut(Schema):
    id: int
    municipality_id: int
    block_id: int | None
    kind: str
    name: str
    short_name: str
    phone: str
    email: str


@router.get("/departments", response=list[DepartmentOut], summary="Исполнители (подразделения)")
def departments(request: HttpRequest) -> QuerySet[Department]:
    return visible_departments(api_user(request)).filter(is_active=True)
