"""Request context for the logs (request id, access line) and the client address behind a proxy.

`RequestContextMiddleware` goes first in MIDDLEWARE: it takes X-Request-ID from the proxy (or
makes one), returns it on the response, puts it in the logging context and writes one access
line per request to the logger ``veche.request``. The line holds the URL pattern, not the
path: paths of the public pages carry capability tokens (a citizen's status link), and query
strings and bodies are never logged.

`TrustedProxyMiddleware` sets REMOTE_ADDR — which the rate limits and the login lockout read —
to the client's address from X-Forwarded-For, only when the request came from one of the
proxies listed in VECHE_TRUSTED_PROXIES; otherwise the header is ignored (it is forgeable).
"""

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from veche.ops import logs

access_log = logging.getLogger("veche.request")

_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Probes hit these every few seconds: their lines go at DEBUG, not to drown the rest.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def incoming_request_id(request: HttpRequest) -> str:
    """The proxy's X-Request-ID when it looks like an id (no log injection), else a new one."""
    given = str(request.headers.get("X-Request-ID", ""))
    return given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + str(match.route).lstrip("^").rstrip("$")
    return request.path[:200]


def _user_id(request: HttpRequest) -> int | None:
    # Only a user the request already loaded: a probe must not cost a session lookup.
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    return None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = incoming_request_id(request)
        request.request_id = rid  # type: ignore[attr-defined]
        token = logs.request_id.set(rid)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
            route = _route(request)
            access_log.log(
                level,
                "%s %s %s",
                request.method,
                route,
                status,
                extra={
                    "method": request.method,
                    "path": route,
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                },
            )
            logs.request_id.reset(token)


@lru_cache(maxsize=8)
def parse_networks(items: tuple[str, ...]) -> tuple[Network, ...]:
    """Addresses and networks (127.0.0.1, 10.0.0.0/8, ::1); a bad item is a configuration error."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def address_in(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        proxies = parse_networks(tuple(settings.VECHE_TRUSTED_PROXIES))
        peer = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if proxies and forwarded and address_in(peer, proxies):
            # Walk from the right: the first address not one of our proxies is the client.
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            client = peer
            for hop in reversed(hops):
                client = hop
                if not address_in(hop, proxies):
                    break
            try:
                ipaddress.ip_address(client)
            except ValueError:
                client = peer
            request.META["REMOTE_ADDR"] = client
            request.META["veche.proxy_peer"] = peer
        return self.get_response(request)
