"""The citizens' pages, outside the staff area: no login, no staff navigation."""

from django.urls import path

from veche.intake.views import public

app_name = "public"

urlpatterns = [
    path("", public.choose, name="choose"),
    path("<str:oktmo>/", public.report, name="report"),
    path("done/<str:token>/", public.done, name="done"),
    path("status/<str:token>/", public.status, name="status"),
]
