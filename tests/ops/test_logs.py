"""Structured logs: JSON lines with the request id of the request that wrote them, one access
line per request with the URL pattern (never the token in a path, a query string or a body),
and the client address taken from X-Forwarded-For only from a trusted proxy."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings

from tests.personas import World
from veche.ops.logs import JsonFormatter, RequestContextFilter, TextFormatter


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The project's JSON formatter and filter on a handler of their own, on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _access(stream: io.StringIO) -> list[dict[str, object]]:
    return [r for r in _records(stream) if r["logger"] == "veche.request"]


@pytest.mark.django_db
def test_access_line_is_json_with_request_id(client: Client, log_lines: io.StringIO) -> None:
    response = client.get("/healthz?phone=79123456745")

    (line,) = _access(log_lines)
    assert line["request_id"] == response["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["level"] == "DEBUG"  # probes are quiet
    assert isinstance(line["duration_ms"], float)
    assert str(line["ts"]).endswith("+00:00")
    assert "79123456745" not in log_lines.getvalue()


@pytest.mark.django_db
def test_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(
    client: Client, log_lines: io.StringIO
) -> None:
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="edge-42.abc")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='bad\nid "injected"')

    assert kept["X-Request-ID"] == "edge-42.abc"
    assert replaced["X-Request-ID"] != 'bad\nid "injected"'
    assert len(replaced["X-Request-ID"]) == 32
    assert [line["request_id"] for line in _access(log_lines)] == [
        "edge-42.abc",
        replaced["X-Request-ID"],
    ]
    assert "injected" not in log_lines.getvalue()


def test_user_id_and_every_line_of_the_request_share_its_id(
    client: Client, world: World, log_lines: io.StringIO
) -> None:
    client.force_login(world.operator)

    response = client.get("/cases/")

    assert response.status_code == 200
    (line,) = _access(log_lines)
    assert line["user_id"] == world.operator.pk
    assert line["level"] == "INFO"
    assert line["path"] == "/cases/"
    inside = [r for r in _records(log_lines) if r.get("request_id") == response["X-Request-ID"]]
    assert line in inside


@pytest.mark.django_db
def test_tokens_in_public_paths_and_form_bodies_are_not_logged(
    client: Client, log_lines: io.StringIO
) -> None:
    client.get("/report/status/SECRET-TOKEN-123/")
    client.post("/login/", {"username": "Иванов", "password": "пароль-секрет"})

    text = log_lines.getvalue()
    assert "SECRET-TOKEN-123" not in text
    assert "пароль-секрет" not in text
    paths = [line["path"] for line in _access(log_lines)]
    assert paths[0] == "/report/status/<str:token>/"
    assert paths[1] == "/login/"


def test_an_exception_and_extras_are_serialised() -> None:
    record = logging.LogRecord("veche.x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    record.user_id = 7
    record.custom = {"a": 1}
    RequestContextFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "failed job"
    assert line["level"] == "ERROR"
    assert line["logger"] == "veche.x"
    assert line["user_id"] == 7
    assert line["custom"] == "{'a': 1}"
    assert "ValueError: boom" in line["exc"]
    assert "request_id" not in line  # outside a request there is none


def test_text_format_carries_the_fields() -> None:
    record = logging.LogRecord("veche.request", logging.INFO, __file__, 1, "GET /x 200", (), None)
    record.status = 200
    record.path = "/x"
    record.request_id = "r1"

    text = TextFormatter().format(record)

    assert "INFO veche.request: GET /x 200" in text
    assert "request_id=r1" in text and "status=200" in text and "path=/x" in text


@pytest.mark.django_db
@override_settings(VECHE_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
def test_client_address_from_a_trusted_proxy(client: Client, log_lines: io.StringIO) -> None:
    from veche.web.login_guard import client_address

    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(client_address(request))
        return HttpResponse()

    from django.test import RequestFactory

    from veche.ops.middleware import TrustedProxyMiddleware

    middleware = TrustedProxyMiddleware(view)
    factory = RequestFactory()
    middleware(factory.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7, 10.1.1.1"))
    middleware(factory.get("/", HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.8"))
    middleware(factory.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4"))
    middleware(factory.get("/", HTTP_X_FORWARDED_FOR="not-an-ip"))
    middleware(factory.get("/"))

    assert seen == ["198.51.100.7", "198.51.100.8", "203.0.113.5", "127.0.0.1", "127.0.0.1"]


@pytest.mark.django_db
def test_without_trusted_proxies_the_header_is_ignored(client: Client) -> None:
    from django.test import RequestFactory

    from veche.ops.middleware import TrustedProxyMiddleware

    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse()

    middleware = TrustedProxyMiddleware(view)
    middleware(RequestFactory().get("/", HTTP_X_FORWARDED_FOR="198.51.100.7"))

    assert seen == ["127.0.0.1"]
