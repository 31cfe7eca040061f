"""What every page view shares: the typed request and the one switch between page and fragment.

An htmx request (the `HX-Request` header, read by django-htmx) gets only the fragment it
swaps in; a plain request, a boosted link or an htmx history restore gets the whole page, so
every page also works without JavaScript (STYLE.md habit 5).
"""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

from veche.org.models import Municipality, User


class AuthedRequest(HttpRequest):
    """A request behind `login_required`, after the project's middleware."""

    htmx: HtmxDetails
    user: User
    municipality: Municipality | None


def wants_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not isinstance(htmx, HtmxDetails):
        return False
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    page: str,
    fragment: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Render `fragment` for an htmx swap, `page` (which includes the fragment) otherwise."""
    template = fragment if wants_fragment(request) else page
    response = render(request, template, context, status=status)
    # The same URL answers with two bodies: caches must key on the header.
    patch_vary_headers(response, ("HX-Request",))
    return response
