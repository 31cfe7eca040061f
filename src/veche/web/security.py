"""Security headers on every response: a strict Content-Security-Policy and a Permissions-Policy.

Scripts come only from our static files: no inline <script>, no on… attributes, no eval (htmx is
configured with allowEval false in web/base.html). A test scans the templates for inline scripts.
"""

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self)"


def tile_origin(url: str) -> str:
    """The origin of the map tile URL template, for img-src; empty when it is our own.

    A placeholder in the host (``https://{s}.tile.example.org/…``) becomes a wildcard.
    """
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


@lru_cache(maxsize=8)
def content_security_policy(tile_url: str) -> str:
    images = " ".join(filter(None, ["'self'", "data:", tile_origin(tile_url)]))
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        # Inline style attributes and <style> blocks are allowed: styles cannot run code, and
        # the templates (and Leaflet, htmx) use many.
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "connect-src 'self'",
        "font-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A response with its own policy (a downloaded document: sandboxed) keeps it.
        if "Content-Security-Policy" not in response:
            # Read per request: the tile server is a setting (tests override it).
            response["Content-Security-Policy"] = content_security_policy(settings.MAP_TILE_URL)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response
