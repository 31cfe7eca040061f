"""Every route is either in the access table or exempt with a reason (issue 9).

A new page or API operation fails this test until someone writes down who may reach it: add it
to `tests/security/access_table.py` (and so to the object-level suite) or exempt it there.
"""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.access_table import API, EXEMPT, EXEMPT_PREFIXES, PAGES, PUBLIC
from veche.api import api


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def page_routes() -> set[str]:
    """Every non-API route the resolver knows, as its full pattern."""
    routes = set()
    for route in _patterns(get_resolver()):
        if any(route.startswith(p) for p in EXEMPT_PREFIXES):
            continue
        if route.startswith("api/v1/"):
            continue  # the API's operations are listed by method from its OpenAPI schema
        routes.add(route)
    return routes


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_route_is_covered_or_exempt() -> None:
    known = set(PAGES) | set(API) | set(PUBLIC) | set(EXEMPT)
    uncovered = sorted((page_routes() | api_operations()) - known)
    assert uncovered == [], (
        "routes with no access test and no exemption; add them to tests/security/access_table.py"
    )


def test_table_names_no_route_that_is_gone() -> None:
    known = set(PAGES) | set(API) | set(PUBLIC) | set(EXEMPT)
    stale = sorted(known - page_routes() - api_operations())
    assert stale == []


def test_api_operations_are_found() -> None:
    """The inventory sees the API: a route of each router is among them."""
    operations = api_operations()
    assert "GET /api/v1/cases/{case_id}" in operations
    assert "PATCH /api/v1/problems/{problem_id}" in operations
    assert "GET /api/v1/analytics/ratings" in operations


def test_no_route_is_in_two_tables() -> None:
    tables = [set(PAGES), set(API), set(PUBLIC), set(EXEMPT)]
    for i, one in enumerate(tables):
        for other in tables[i + 1 :]:
            assert one & other == set()
