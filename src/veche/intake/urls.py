from django.urls import include, path

from veche.intake.views import hooks, operator, sources

app_name = "intake"

urlpatterns = [
    path("new/", operator.new_case, name="new_case"),
    path("sources/", sources.source_list, name="sources"),
    path("hooks/<int:source_id>/", hooks.hook, name="hook"),
    path("imports/", include("veche.intake.imports.urls")),
]
