"""`/api/v1/cases`: thin endpoints over the selectors and services of this app."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply
from pydantic import AfterValidator, AwareDatetime

from veche.cases.errors import CaseError, ErrorCode
from veche.cases.masking import mask_email, mask_name, mask_phone
from veche.cases.models import Case, CaseAnalysis, Event
from veche.cases.selectors import (
    SORTS,
    CaseFilter,
    case_detail,
    case_timeline,
    count_up_to,
    inbox_cases,
    scope_filter,
)
from veche.cases.services import (
    CaseDraft,
    CitizenData,
    add_comment,
    assign_case,
    change_status,
    change_topic,
    create_case,
    locate_case,
    mark_duplicate,
    merge_case,
    reveal_author,
)
from veche.cases.workflow import Regime, Status
from veche.catalog.models import Channel, Topic
from veche.org.access import Action
from veche.org.api import Id, api_user
from veche.org.models import Department, Municipality, Territory, User
from veche.org.selectors import actor_scope

router = Router(tags=["Обращения"])

COUNT_LIMIT = 10_000


class AuthorIn(Schema):
    full_name: str = Field("", max_length=300)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=254)
    postal_address: str = Field("", max_length=500)
    social_id: str = Field("", max_length=200)


def _in_utc(value: datetime) -> datetime:
    """Python accepts offsets up to ±23:59, PostgreSQL only to ±15:59 (a 500 on «+17:22»):
    a moment from a client is kept in UTC."""
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable moment
        raise ValueError("дата вне допустимого диапазона") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class CaseIn(Schema):
    channel: Channel.Code
    regime: Regime
    text: str = Field(min_length=1, max_length=50_000)
    received_at: UtcDatetime | None = None
    external_id: str = Field("", max_length=200)
    subject: str = Field("", max_length=500)
    author: AuthorIn | None = None
    address_raw: str = Field("", max_length=500)
    topic_id: int | None = None
    priority: Case.Priority = Case.Priority.NORMAL
    municipality_id: int | None = Field(
        None, description="обязателен, если у клиента доступ к нескольким МО"
    )


class AuthorOut(Schema):
    full_name: str
    phone: str
    email: str


class PlaceOut(Schema):
    name: str = Field(description="место по справочнику МО")
    lat: float
    lon: float
    territory_id: int | None
    level: str = Field(description="house, street, landmark или settlement")
    unsure: bool = Field(description="истина, если совпадение неточное")


class AnalysisOut(Schema):
    """What triage read in the text: suggestions with probabilities, not decisions."""

    model_version: str
    topic_id: int | None
    confidence: float
    suggestions: dict[str, list[tuple[str, float]]] = Field(
        description=(
            "до пяти лучших: category, reason, topic, department — [название, вероятность]"
        )
    )
    department_id: int | None = Field(description="предложенный исполнитель")
    department_confidence: float
    routing_rule_id: int | None = Field(description="правило, по которому предложен")
    needs_review: bool = Field(description="ждёт разбора сотрудником")
    place: PlaceOut | None
    urgent: bool
    urgency_reasons: list[dict[str, str | int]]
    negativity: float
    obscene: bool
    threat: bool


class CaseOut(Schema):
    id: int
    number: str
    municipality_id: int
    regime: Regime
    channel: str
    external_id: str
    status: Status
    received_at: AwareDatetime
    registered_at: AwareDatetime | None
    subject: str
    text: str
    address_raw: str
    lat: float | None
    lon: float | None
    territory_id: int | None
    topic_id: int | None
    department_id: int | None
    block_id: int | None
    priority: int
    duplicate_of_id: int | None
    parent_id: int | None
    author: AuthorOut | None = Field(description="маскированные данные заявителя")
    analysis: AnalysisOut | None = Field(None, description="разбор текста (triage)")


class CaseList(Schema):
    count: int
    count_capped: bool = Field(description="истина, если записей больше, чем count")
    items: list[CaseOut]


class CaseFilterIn(Schema):
    status: list[Status] = Field(default_factory=list)
    regime: Regime | None = None
    channel: Channel.Code | None = None
    topic: Id | None = None
    department: Id | None = None
    block: Id | None = None
    territory: Id | None = None
    municipality: Id | None = None
    received_from: UtcDatetime | None = None
    received_to: UtcDatetime | None = None
    q: str = Field("", max_length=200, description="поиск по тексту с учётом словоформ")
    urgent: bool = Field(False, description="только срочные по разбору текста")
    needs_review: bool = Field(
        False, description="только новые, которые разбор не смог направить сам («нужен разбор»)"
    )
    due: Literal["", "overdue", "today", "soon", "extended"] = Field(
        "", description="по сроку: overdue, today, soon (2 дня), extended"
    )
    sort: Literal[tuple(SORTS)] = "-received_at"  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=COUNT_LIMIT)


class TransitionIn(Schema):
    status: Status
    comment: str = Field("", max_length=5000)


class AssignIn(Schema):
    department_id: int
    comment: str = Field("", max_length=5000)


class TopicIn(Schema):
    topic_id: int | None = Field(description="тема рубрикатора; null — снять тему")


class LocationIn(Schema):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    territory_id: int | None = None
    address: str = Field("", max_length=500)


class LinkIn(Schema):
    case_id: int = Field(description="id обращения, с которым связать")
    comment: str = Field("", max_length=5000)


class CommentIn(Schema):
    text: str = Field(min_length=1, max_length=20_000)


class EventOut(Schema):
    id: int
    case_id: int
    at: AwareDatetime
    actor_id: int | None
    kind: Event.Kind
    before: dict[str, object]
    after: dict[str, object]
    comment: str


class FeedIn(Schema):
    after_id: int = Field(0, ge=0, description="id последнего полученного события")
    limit: int = Field(200, ge=1, le=1000)


class CitizenOut(Schema):
    full_name: str
    phone: str
    email: str
    postal_address: str
    social_id: str


class Message(Schema):
    code: str
    message: str


def case_out(case: Case) -> CaseOut:
    author = case.author
    return CaseOut(
        id=case.pk,
        number=case.number,
        municipality_id=case.municipality_id,
        regime=Regime(case.regime),
        channel=case.channel.code,
        external_id=case.external_id,
        status=Status(case.status),
        received_at=case.received_at,
        registered_at=case.registered_at,
        subject=case.subject,
        text=case.text,
        address_raw=case.address_raw,
        lat=case.lat,
        lon=case.lon,
        territory_id=case.territory_id,
        topic_id=case.topic_id,
        department_id=case.department_id,
        block_id=case.block_id,
        priority=case.priority,
        duplicate_of_id=case.duplicate_of_id,
        parent_id=case.parent_id,
        author=AuthorOut(
            full_name=mask_name(author.full_name),
            phone=mask_phone(author.phone) if author.phone else "",
            email=mask_email(author.email) if author.email else "",
        )
        if author
        else None,
        analysis=_analysis_out(case),
    )


def _analysis_out(case: Case) -> AnalysisOut | None:
    try:
        a = case.analysis
    except CaseAnalysis.DoesNotExist:
        return None
    return AnalysisOut(
        model_version=a.model_version,
        topic_id=a.topic_id,
        confidence=a.confidence,
        suggestions={k: [tuple(x) for x in v] for k, v in a.suggestions.items() if v},
        department_id=a.department_id,
        department_confidence=a.department_confidence,
        routing_rule_id=a.routing_rule_id,
        needs_review=a.needs_review,
        place=PlaceOut(
            name=a.place_name,
            lat=a.place_lat,
            lon=a.place_lon,
            territory_id=a.place_territory_id,
            level=a.place_level,
            unsure=a.place_unsure,
        )
        if a.place_name and a.place_lat is not None and a.place_lon is not None
        else None,
        urgent=a.urgent,
        urgency_reasons=a.urgency_reasons,
        negativity=a.negativity,
        obscene=a.obscene,
        threat=a.threat,
    )


def _intake_municipality(user: User, requested: int | None) -> Municipality:
    allowed = actor_scope(user).municipality_ids(Action.ASSIGN)
    if not allowed:
        raise CaseError(ErrorCode.FORBIDDEN, "Нет права регистрировать обращения.")
    if requested is None:
        if len(allowed) != 1:
            raise CaseError(ErrorCode.INVALID, "Укажите municipality_id.")
        requested = next(iter(allowed))
    if requested not in allowed:
        raise CaseError(ErrorCode.FORBIDDEN, "Нет права регистрировать обращения в этом МО.")
    return Municipality.objects.get(pk=requested)


@router.get("/cases", response=CaseList, summary="Список обращений с фильтрами")
def list_cases(request: HttpRequest, filters: Query[CaseFilterIn]) -> CaseList:
    qs = inbox_cases(
        api_user(request),
        CaseFilter(
            status=tuple(filters.status),
            regime=filters.regime,
            channel=filters.channel,
            topic_id=filters.topic,
            department_id=filters.department,
            block_id=filters.block,
            territory_id=filters.territory,
            municipality_id=filters.municipality,
            received_from=filters.received_from,
            received_to=filters.received_to,
            text=filters.q,
            urgent=filters.urgent,
            needs_review=filters.needs_review,
            due=filters.due,
            sort=filters.sort,
        ),
    ).select_related("author")
    count, capped = count_up_to(qs, COUNT_LIMIT)
    page = qs[filters.offset : filters.offset + filters.limit]
    return CaseList(count=count, count_capped=capped, items=[case_out(c) for c in page])


@router.post(
    "/cases",
    response={200: CaseOut, 201: CaseOut},
    summary="Зарегистрировать обращение (повтор с тем же external_id вернёт первое)",
)
def create(request: HttpRequest, payload: CaseIn) -> Reply[CaseOut]:
    user = api_user(request)
    municipality = _intake_municipality(user, payload.municipality_id)
    topic_id = payload.topic_id
    if topic_id is not None and not Topic.objects.filter(pk=topic_id).exists():
        raise CaseError(ErrorCode.INVALID, f"Нет темы с id {topic_id}.")
    now = timezone.now()
    draft = CaseDraft(
        channel=Channel.objects.get(code=payload.channel),
        regime=payload.regime,
        text=payload.text,
        received_at=payload.received_at or now,
        external_id=payload.external_id,
        subject=payload.subject,
        author=CitizenData(**payload.author.dict()) if payload.author else None,
        address_raw=payload.address_raw,
        topic_id=topic_id,
        priority=payload.priority,
    )
    case, created = create_case(municipality, draft, by=user, now=now)
    if not created and not actor_scope(user).can(Action.VIEW, case):
        raise CaseError(ErrorCode.NOT_FOUND, "Обращение не найдено.")
    return Reply(201 if created else 200, case_out(case_detail(user, case.pk)))


@router.get("/cases/{case_id}", response=CaseOut, summary="Карточка обращения")
def detail(request: HttpRequest, case_id: int) -> CaseOut:
    return case_out(case_detail(api_user(request), case_id))


@router.post("/cases/{case_id}/transition", response=CaseOut, summary="Сменить статус")
def transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> CaseOut:
    user = api_user(request)
    case = case_detail(user, case_id)
    change_status(case, payload.status, by=user, now=timezone.now(), comment=payload.comment)
    return case_out(case_detail(user, case_id))


@router.post("/cases/{case_id}/assign", response=CaseOut, summary="Назначить исполнителя")
def assign(request: HttpRequest, case_id: int, payload: AssignIn) -> CaseOut:
    user = api_user(request)
    case = case_detail(user, case_id)
    department = Department.objects.filter(
        pk=payload.department_id, municipality_id=case.municipality_id
    ).first()
    if department is None:
        raise CaseError(ErrorCode.INVALID, "Нет такого подразделения в этом МО.")
    assign_case(case, department, by=user, now=timezone.now(), comment=payload.comment)
    return case_out(case_detail(user, case_id))


@router.post("/cases/{case_id}/topic", response=CaseOut, summary="Изменить тему")
def topic(request: HttpRequest, case_id: int, payload: TopicIn) -> CaseOut:
    user = api_user(request)
    case = case_detail(user, case_id)
    chosen = None
    if payload.topic_id is not None:
        chosen = Topic.objects.filter(pk=payload.topic_id, parent__isnull=False).first()
        if chosen is None:
            raise CaseError(ErrorCode.INVALID, f"Нет темы с id {payload.topic_id}.")
    change_topic(case, chosen, by=user, now=timezone.now())
    return case_out(case_detail(user, case_id))


@router.post("/cases/{case_id}/location", response=CaseOut, summary="Указать место")
def location(request: HttpRequest, case_id: int, payload: LocationIn) -> CaseOut:
    user = api_user(request)
    case = case_detail(user, case_id)
    if (
        payload.territory_id is not None
        and not Territory.objects.filter(
            pk=payload.territory_id, municipality_id=case.municipality_id
        ).exists()
    ):
        raise CaseError(ErrorCode.INVALID, "Нет такой территории в этом МО.")
    locate_case(
        case,
        lat=payload.lat,
        lon=payload.lon,
        address_raw=payload.address,
        territory_id=payload.territory_id,
        at=timezone.now(),
        by=user,
    )
    return case_out(case_detail(user, case_id))


@router.post("/cases/{case_id}/merge", response=CaseOut, summary="Объединить с другим обращением")
def merge(request: HttpRequest, case_id: int, payload: LinkIn) -> CaseOut:
    user = api_user(request)
    case, into = case_detail(user, case_id), case_detail(user, payload.case_id)
    merge_case(case, into, by=user, now=timezone.now(), comment=payload.comment)
    return case_out(case_detail(user, case_id))


@router.post("/cases/{case_id}/duplicate", response=CaseOut, summary="Отметить как дубликат")
def duplicate(request: HttpRequest, case_id: int, payload: LinkIn) -> CaseOut:
    user = api_user(request)
    case, original = case_detail(user, case_id), case_detail(user, payload.case_id)
    mark_duplicate(case, original, by=user, now=timezone.now(), comment=payload.comment)
    return case_out(case_detail(user, case_id))


@router.post(
    "/cases/{case_id}/comments", response={201: EventOut}, summary="Внутренний комментарий"
)
def comment(request: HttpRequest, case_id: int, payload: CommentIn) -> Reply[Event]:
    user = api_user(request)
    event = add_comment(case_detail(user, case_id), payload.text, by=user, now=timezone.now())
    return Reply(201, event)


@router.get("/cases/{case_id}/events", response=list[EventOut], summary="Хронология")
def events(request: HttpRequest, case_id: int) -> list[Event]:
    return list(case_timeline(case_detail(api_user(request), case_id)))


@router.get(
    "/cases/{case_id}/author",
    response=CitizenOut,
    summary="Данные заявителя (просмотр записывается в журнал)",
)
def author(request: HttpRequest, case_id: int) -> CitizenOut:
    user = api_user(request)
    citizen = reveal_author(case_detail(user, case_id), by=user, purpose="api")
    if citizen is None:
        raise CaseError(ErrorCode.NOT_FOUND, "Обращение анонимное.")
    return CitizenOut(
        full_name=citizen.full_name,
        phone=citizen.phone,
        email=citizen.email,
        postal_address=citizen.postal_address,
        social_id=citizen.social_id,
    )


@router.get(
    "/events",
    response=list[EventOut],
    summary="Лента событий по видимым обращениям (для синхронизации), по возрастанию id",
)
def event_feed(request: HttpRequest, page: Query[FeedIn]) -> list[Event]:
    case_ids = Case.objects.filter(scope_filter(actor_scope(api_user(request)))).values("pk")
    feed = Event.objects.filter(pk__gt=page.after_id, case_id__in=case_ids).order_by("pk")
    return list(feed[: page.limit])
