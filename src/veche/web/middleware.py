"""Show times in the viewer's municipality time zone; everything is stored in UTC."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from veche.org.selectors import primary_municipality


class MunicipalityTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        municipality = primary_municipality(request.user) if request.user.is_authenticated else None
        if municipality is not None:
            timezone.activate(zoneinfo.ZoneInfo(municipality.time_zone))
            request.municipality = municipality  # type: ignore[attr-defined]
        else:
            timezone.deactivate()
            request.municipality = None  # type: ignore[attr-defined]
        return self.get_response(request)
