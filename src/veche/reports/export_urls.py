"""/export/…: downloads of the inbox list, an indicator's cases and a slice, as XLSX or CSV.

Link with the page's query string: `{% url 'export:cases' 'xlsx' %}?…`."""

from django.urls import re_path

from veche.reports import export_views

app_name = "export"

FORMAT = r"(?P<fmt>xlsx|csv)"

urlpatterns = [
    re_path(rf"^cases\.{FORMAT}$", export_views.cases, name="cases"),
    re_path(rf"^analytics-cases\.{FORMAT}$", export_views.analytics_cases, name="analytics_cases"),
    re_path(rf"^slice\.{FORMAT}$", export_views.slice_table, name="slice"),
]
