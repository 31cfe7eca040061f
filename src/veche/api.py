"""The JSON API root: `/api/v1/…`, OpenAPI docs at `/api/v1/docs`.

Clients authenticate with a per-client token (`Authorization: Bearer vch_…`, issued by
`veche apitoken`) or, from the pages, with the session cookie and a CSRF token.
"""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from veche.analytics.api import router as analytics_router
from veche.cases.api import router as cases_router
from veche.cases.errors import CaseError, ErrorCode
from veche.catalog.api import router as catalog_router
from veche.org.api import router as org_router
from veche.org.models import User
from veche.org.services import authenticate_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return authenticate_token(token)


class StaffSessionAuth(SessionAuth):
    """The signed-in user of the pages; CSRF is checked on unsafe methods."""


class ReadableJSONRenderer(JSONRenderer):
    """Russian text as UTF-8, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Вече API",
    version="1",
    description="Обращения и сообщения граждан: приём, маршрутизация, хронология, ответы.",
    urls_namespace="api",
    auth=[TokenAuth(), StaffSessionAuth()],
    renderer=ReadableJSONRenderer(),
)

STATUS_BY_CODE = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TRANSITION_NOT_ALLOWED: 409,
    ErrorCode.INVALID: 400,
}


@api.exception_handler(CaseError)
def case_error(request: HttpRequest, exc: CaseError) -> HttpResponse:
    return api.create_response(
        request, {"code": exc.code.value, "message": exc.message}, status=STATUS_BY_CODE[exc.code]
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "message": "Не найдено."}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "unauthorized", "message": "Нужен токен API или вход в систему."},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Unparseable bodies and other protocol errors raised by Ninja itself."""
    return api.create_response(
        request,
        {"code": "bad_request", "message": f"Неверный запрос: {exc}"},
        status=exc.status_code,
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query', 'payload'))}: "
        f"{e.get('msg', '')}"
        for e in exc.errors
    ]
    return api.create_response(
        request,
        {
            "code": "invalid",
            "message": "Неверный запрос: " + "; ".join(problems),
            "errors": exc.errors,
        },
        status=422,
    )


api.add_router("/v1/", cases_router)
api.add_router("/v1/", catalog_router)
api.add_router("/v1/", org_router)
api.add_router("/v1/analytics/", analytics_router)
api.add_router("/v1/", "veche.problems.api.router")
