"""Probes and metrics for the operator: unauthenticated, nothing about cases or people."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from veche.ops import health, metrics
from veche.ops.middleware import address_in, parse_networks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database, no cache: a restart would not fix those."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every dependency answers, else 503 (take this node out of rotation)."""
    checks = health.run_checks()
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503
    )


def metrics_allowed(request: HttpRequest) -> bool:
    token = str(settings.VECHE_METRICS_TOKEN)
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip(), token)
    # A request relayed by a proxy we do not trust (X-Forwarded-For left unresolved) comes from
    # the proxy's address, often 127.0.0.1: that must not count as a local scraper.
    relayed = "HTTP_X_FORWARDED_FOR" in request.META and "veche.proxy_peer" not in request.META
    if relayed:
        return False
    allowed = parse_networks(tuple(settings.VECHE_METRICS_ALLOW))
    return address_in(str(request.META.get("REMOTE_ADDR", "")), allowed)


@never_cache
@require_GET
def prometheus(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
