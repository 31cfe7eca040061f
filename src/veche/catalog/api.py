"""`/api/v1/topics`: the rubricator."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema

from veche.catalog.models import Topic

router = Router(tags=["Справочники"])


class TopicOut(Schema):
    id: int
    parent_id: int | None
    name: str
    socially_significant: bool
    severity: int
    im_name: str
    pos_code: str
    totk_code: str


@router.get("/topics", response=list[TopicOut], summary="Рубрикатор: группы и темы")
def topics(request: HttpRequest) -> QuerySet[Topic]:
    return Topic.objects.filter(is_active=True).order_by("parent_id", "name")
