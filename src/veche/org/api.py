"""`/api/v1/departments`: the bodies cases are routed to, in the caller's municipalities."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema

from veche.org.models import Department, User
from veche.org.selectors import visible_departments

router = Router(tags=["Справочники"])


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
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - guaranteed by the API's authenticators
    return visible_departments(user).filter(is_active=True)
