from django.contrib import admin
from django.urls import include, path

from veche.api import api

admin.site.site_header = "Вече — администрирование"
admin.site.site_title = "Вече"
admin.site.index_title = "Справочники и настройки"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("veche.web.urls")),
    path("cases/", include("veche.cases.urls")),
    path("intake/", include("veche.intake.urls")),
    path("triage/", include("veche.triage.urls")),
    path("problems/", include("veche.problems.urls")),
    path("deadlines/", include("veche.deadlines.urls")),
    path("analytics/", include("veche.analytics.urls")),
    path("reports/", include("veche.reports.urls")),
    path("export/", include("veche.reports.export_urls")),
    path("feedback/", include("veche.feedback.urls")),
    path("report/", include("veche.intake.public_urls")),
    path("public/roadmaps/", include("veche.problems.public_urls")),
    path("open311/v2/", include("veche.intake.open311.urls")),
    path("monitoring/", include("veche.monitoring.urls")),
    path("publishing/", include("veche.publishing.urls")),
    path("participation/", include("veche.participation.urls")),
    path("public/polls/", include("veche.participation.public_urls")),
    path("privacy/", include("veche.privacy.urls")),
    path("", include("veche.ops.urls")),
]
