"""Downloads of what a page shows: the inbox list, an indicator's cases, a slice table.

Each takes the page's own query string, so a link «Скачать» is the page's URL with another
path. A parameter that does not parse is a 400 with a Russian message. `pd=1` asks for
personal data in full: given only for the cases the user may see them on, and logged.
"""

import tempfile
from collections.abc import Callable
from datetime import date
from functools import wraps

import h3
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from veche.analytics.heatmap import stored_cells
from veche.analytics.indicators import Filters, Period, cases_behind
from veche.analytics.params import InvalidParams, filters_from, period_from, slice_params
from veche.analytics.slices import cut
from veche.cases.forms import InboxFilterForm
from veche.cases.models import Case
from veche.cases.selectors import count_up_to, inbox_cases, visible_cases
from veche.org.models import Municipality
from veche.reports.exports import (
    Sheet,
    case_sheet,
    csv_stream,
    filters_text,
    slice_sheet,
    write_xlsx,
)
from veche.web.http import AuthedRequest

EXPORT_LIMIT = 100_000
# openpyxl writes some 1 500 rows of 15 cells a second (measured: 20 000 rows in 13 s, the
# same with lxml), and the file is built before the answer starts: a larger XLSX would
# outlast a proxy's timeout. CSV streams from the first row.
XLSX_LIMIT = 25_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

View = Callable[[AuthedRequest, str], HttpResponseBase]


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def export_view(view: View) -> View:
    """Login required, GET only, and a malformed parameter is a 400 with its message."""

    @wraps(view)
    def wrapper(request: AuthedRequest, fmt: str) -> HttpResponseBase:
        try:
            return view(request, fmt)
        except InvalidParams as error:
            return _bad_request(error.message)

    return login_required(require_GET(wrapper))


@export_view
def cases(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """The inbox list with the inbox's filters, every matching case, not only one page.

    The page drops a filter it cannot read and says so; a download would silently hold more
    cases than asked for (personal data among them), so here it is refused instead."""
    form = InboxFilterForm(request.GET, user=request.user)
    if ignored := form.ignored:
        raise InvalidParams(f"Не удалось разобрать условия отбора: {', '.join(ignored)}.")
    found = inbox_cases(request.user, form.to_filter())
    return _cases_response(request, fmt, found, "обращения")


@export_view
def analytics_cases(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """The cases behind an indicator, as the analytics drill-down lists them: the page's
    period, filters and map cell (`cell`), the same default indicator."""
    municipality, period, filters = _analytics_query(request)
    indicator, _, _ = slice_params(request.GET)
    behind = cases_behind(indicator, request.user, municipality.pk, period, filters, timezone.now())
    if cell := request.GET.get("cell", ""):
        if not h3.is_valid_cell(cell):
            raise InvalidParams(f"Ячейка карты «{cell}» не распознана.")
        behind = behind.filter(fact__cell__in=stored_cells(cell))
    # `cases_behind` reads the analytics facts; the list itself goes through `visible_cases`
    # like every list of cases.
    found = visible_cases(request.user).filter(pk__in=behind.values("pk"))
    found = found.order_by("-received_at", "-pk")
    return _cases_response(request, fmt, found, f"обращения-{indicator.value}")


@export_view
def slice_table(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """A slice: an indicator by one or two dimensions, as the slices page shows it (with the
    same defaults when the query string leaves them out)."""
    municipality, period, filters = _analytics_query(request)
    indicator, rows, columns = slice_params(request.GET)
    try:
        table = cut(
            indicator, request.user, municipality.pk, period, filters, rows, columns,
            now=timezone.now(),
        )  # fmt: skip
    except ValueError as error:  # «просрочено сейчас» cut by time
        raise InvalidParams(str(error)) from None
    sheet = slice_sheet(
        table,
        municipality=str(municipality),
        period=period,
        filters=filters_text(filters, by=request.user),
        rows=rows,
        columns=columns,
    )
    return _file(sheet, fmt, f"срез-{indicator.value}-{period.start:%Y%m%d}-{period.end:%Y%m%d}")


def _cases_response(
    request: AuthedRequest, fmt: str, found: QuerySet[Case], stem: str
) -> HttpResponseBase:
    limit = EXPORT_LIMIT if fmt == "csv" else XLSX_LIMIT
    _, capped = count_up_to(found, limit)
    if capped:
        hint = "" if fmt == "csv" else f" В CSV — до {_thousands(EXPORT_LIMIT)} строк."
        raise InvalidParams(
            f"Отобрано больше {_thousands(limit)} обращений — столько за один раз "
            f"в {fmt.upper()} не выгрузить. Уточните условия отбора (период, статус, "
            f"исполнитель) и скачайте частями.{hint}"
        )
    personal_data = request.GET.get("pd") == "1"
    sheet = case_sheet(found, by=request.user, personal_data=personal_data)
    return _file(sheet, fmt, f"{stem}-{timezone.localdate():%Y%m%d}")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def _file(sheet: Sheet, fmt: str, stem: str) -> HttpResponseBase:
    """CSV streams as it is written; XLSX is written to a temporary file first (a zip is
    complete only at its end), which is removed when the response closes it."""
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(sheet), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{stem}.csv") or ""
        return response
    # Not a `with`: the response closes (and so deletes) the file once it is sent.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        write_xlsx(sheet, target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=f"{stem}.xlsx", content_type=XLSX_TYPE)


def _analytics_query(request: AuthedRequest) -> tuple[Municipality, Period, Filters]:
    """The municipality, period and filters as the analytics pages read them, but strict:
    a bad value is an error, not a fallback to the defaults."""
    municipality = request.municipality
    if municipality is None:
        raise PermissionDenied("Нет доступа к аналитике: у вас нет роли ни в одном МО.")
    today: date = timezone.localdate()
    return municipality, period_from(request.GET, today), filters_from(request.GET)
