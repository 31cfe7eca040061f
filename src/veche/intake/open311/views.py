"""The GeoReport v2 endpoints: thin — parse, call a selector or a service, render.

They are an API authenticated by `api_key`, not pages: no session, no CSRF token (a client
cannot have one), so they are `csrf_exempt`. Every failure is the spec's error document in the
requested format, with the status the spec names (400, 403, 404; 405 and 429 beyond it).
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from veche.cases.errors import CaseError, ErrorCode
from veche.intake.open311 import present, selectors
from veche.intake.open311.errors import Open311Error
from veche.intake.open311.formats import FORMATS, Record, Reply, render, render_error
from veche.intake.open311.parsing import parse_query, parse_request
from veche.intake.open311.services import submit_request
from veche.intake.throttle import within_limit
from veche.org.access import Action
from veche.org.models import Municipality
from veche.org.selectors import actor_scope
from veche.org.services import authenticate_token

POSTS_PER_MINUTE = 60  # per API key: a guard against a looping client
CHANGESET = "2026-11-23T00:00:00Z"  # when this endpoint's behaviour last changed
KEY_SERVICE = "Ключ (api_key) выдаёт администратор МЦУ: veche apitoken ИМЯ --user ЛОГИН"
STATUS_BY_CODE = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 400,
    ErrorCode.INVALID: 400,
}

View = Callable[..., Reply]


def endpoint(*methods: str) -> Callable[[View], Callable[..., HttpResponse]]:
    """Check the format suffix and the method, render the reply or the error."""

    def decorate(view: View) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def run(request: HttpRequest, fmt: str, **kwargs: str) -> HttpResponse:
            try:
                if fmt not in FORMATS:
                    raise Open311Error(404, f"Формат «{fmt}» не поддерживается: json или xml.")
                if request.method not in methods:
                    raise Open311Error(405, f"Метод {request.method} не поддерживается.")
                return render(view(request, **kwargs), fmt)
            except Open311Error as error:
                response = render_error(error, fmt)
            except CaseError as error:
                status = STATUS_BY_CODE[error.code]
                response = render_error(Open311Error(status, error.message), fmt)
            except SuspiciousOperation:  # too large or too many form fields
                response = render_error(Open311Error(400, "Слишком большой запрос."), fmt)
            if response.status_code == 405:
                response["Allow"] = ", ".join(methods)
            return response

        return run

    return decorate


def _list(records: list[Record]) -> Reply:
    return Reply(records, root="service_requests", item="request")


def _jurisdiction(request: HttpRequest) -> Municipality:
    return selectors.jurisdiction(request.GET.get("jurisdiction_id", ""))


@endpoint("GET")
def discovery(request: HttpRequest) -> Reply:
    url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "xml"}))
    names = ", ".join(str(m) for m in Municipality.objects.order_by("name"))
    return Reply(
        {
            "changeset": CHANGESET,
            "contact": f"Вече, муниципальный центр управления: {names}",
            "key_service": KEY_SERVICE,
            "endpoints": [
                {
                    "specification": present.SPECIFICATION,
                    "url": url.rsplit("/", 1)[0],
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        root="discovery",
    )


@endpoint("GET")
def services(request: HttpRequest) -> Reply:
    _jurisdiction(request)
    records = [present.service_out(t) for t in selectors.service_topics()]
    return Reply(records, root="services", item="service")


@endpoint("GET")
def service_definition(request: HttpRequest, code: str) -> Reply:
    _jurisdiction(request)
    return Reply(present.definition_out(selectors.service_topic(code)), root="service_definition")


@endpoint("GET", "POST")
def requests(request: HttpRequest) -> Reply:
    return _submit(request) if request.method == "POST" else _search(request)


def _search(request: HttpRequest) -> Reply:
    municipality = _jurisdiction(request)
    query = parse_query(request.GET, zone=municipality.time_zone, now=timezone.now())
    return _list([present.request_out(c) for c in selectors.find_requests(municipality, query)])


def _submit(request: HttpRequest) -> Reply:
    """The key's user needs the municipality-wide intake right, the same rule as
    `POST /api/v1/cases` (`cases.api._intake_municipality`)."""
    form = request.POST
    user = authenticate_token(form.get("api_key") or request.GET.get("api_key", ""))
    if user is None:
        raise Open311Error(403, "Не указан или неверен api_key.")
    allowed = actor_scope(user).municipality_ids(Action.ASSIGN)
    code = form.get("jurisdiction_id") or request.GET.get("jurisdiction_id", "")
    municipality = selectors.jurisdiction(code, fallback=allowed)
    if municipality.pk not in allowed:
        raise Open311Error(403, "У ключа нет права регистрировать сообщения в этом муниципалитете.")
    now = timezone.now()
    if not within_limit("open311", str(user.pk), limit=POSTS_PER_MINUTE, window_s=60, now=now):
        raise Open311Error(429, "Слишком много запросов с этим ключом, повторите через минуту.")
    data = parse_request(form)
    topic = selectors.service_topic(data.service_code)
    case, _ = submit_request(municipality, topic, data, by=user, now=now)
    return _list([present.created_out(case, account_id=data.account_id)])


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str) -> Reply:
    case = selectors.request_by_id(_jurisdiction(request), request_id)
    return _list([present.request_out(case)])


@endpoint("GET")
def token(request: HttpRequest, token: str) -> Reply:
    case = selectors.request_by_token(_jurisdiction(request), token)
    return _list([present.token_out(case)])
