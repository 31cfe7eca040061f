"""The gazetteer page (/triage/gazetteer/): what the municipality's gazetteer holds, a search
that also shows how Вече reads an address, the upload of a new file with its report, and the
download of the current one. For those who may change the municipality's settings
(Action.CONFIGURE); thin: parse, call `gazetteer_store`, render."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from veche.org.models import Municipality
from veche.triage.gazetteer_file import FIELDS, GazetteerFileError, RecordKind
from veche.triage.gazetteer_store import (
    ImportReport,
    export_lines,
    find_places,
    gazetteer_for,
    gazetteer_municipalities,
    import_gazetteer,
    kind_counts,
    territory_counts,
)
from veche.triage.models import GazetteerPlace
from veche.web.http import AuthedRequest

SHOWN_PLACES = 100
KIND_TITLES = {
    RecordKind.SETTLEMENT: "населённые пункты",
    RecordKind.STREET: "улицы",
    RecordKind.HOUSE: "дома",
    RecordKind.LANDMARK: "объекты",
}
_KIND_LABELS = dict(GazetteerPlace.Kind.choices)
REPLACE, APPEND = "replace", "append"


class UploadForm(forms.Form):
    file = forms.FileField(label="Файл CSV или GeoJSON")
    mode = forms.ChoiceField(
        label="Как загрузить",
        choices=[
            (REPLACE, "заменить справочник содержимым файла"),
            (APPEND, "добавить места из файла к справочнику"),
        ],
        initial=REPLACE,
        widget=forms.RadioSelect,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.VECHE_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"Файл больше {limit // 2**20} МБ.")
        return upload


def _municipality(request: AuthedRequest) -> tuple[Municipality, list[Municipality]]:
    """The municipality asked for (`?municipality=`, else the first) among those the user
    may configure; 403 for anyone else."""
    allowed = list(gazetteer_municipalities(request.user))
    if not allowed:
        raise PermissionDenied("Справочник мест меняют руководитель и администратор МЦУ.")
    wanted = request.POST.get("municipality") or request.GET.get("municipality")
    if not wanted:
        return allowed[0], allowed
    chosen = next((m for m in allowed if str(m.pk) == wanted), None)
    if chosen is None:
        raise PermissionDenied("Справочник этого МО вам недоступен.")
    return chosen, allowed


@login_required
@require_http_methods(["GET", "POST"])
def gazetteer_page(request: AuthedRequest) -> HttpResponse:
    municipality, allowed = _municipality(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    report: ImportReport | None = None
    if request.method == "POST" and form.is_valid():
        try:
            report = import_gazetteer(
                municipality,
                form.cleaned_data["file"],
                replace=form.cleaned_data["mode"] == REPLACE,
                by=request.user,
            )
        except GazetteerFileError as exc:
            form.add_error("file", str(exc))
        else:
            form = UploadForm()
    counts = kind_counts(municipality)
    context = {
        "municipality": municipality,
        "municipalities": allowed,
        "form": form,
        "report": report,
        "fields": ",".join(FIELDS),
        "kinds": [(KIND_TITLES[k], n) for k, n in counts.items()],
        "kind_titles": KIND_TITLES.values(),
        "total": sum(counts.values()),
        "territories": territory_counts(municipality),
        **_search(municipality, request.GET.get("q", "")),
    }
    status = 400 if form.errors else 200
    return render(request, "triage/gazetteer.html", context, status=status)


def _search(municipality: Municipality, query: str) -> dict[str, Any]:
    query = " ".join(query.split())[:200]
    if not query:
        return {"query": ""}
    places, total = find_places(municipality, query, limit=SHOWN_PLACES)
    gazetteer = gazetteer_for(municipality)
    located = gazetteer.locate(query) if gazetteer is not None else None
    return {
        "query": query,
        "places": [(_KIND_LABELS[p.kind], p) for p in places],
        "place_total": total,
        "shown_limit": SHOWN_PLACES,
        "located": located,
        "located_level": _KIND_LABELS[located.level] if located is not None else "",
    }


@login_required
@require_GET
def gazetteer_export(request: AuthedRequest) -> StreamingHttpResponse:
    municipality, _ = _municipality(request)
    # A BOM, so that Excel opens the UTF-8 file with the right letters; the import skips it.
    lines = (
        "\ufeff" + line if n == 0 else line for n, line in enumerate(export_lines(municipality))
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"gazetteer-{municipality.oktmo}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("gazetteer/", gazetteer_page, name="gazetteer"),
    path("gazetteer/export.csv", gazetteer_export, name="gazetteer_export"),
]
