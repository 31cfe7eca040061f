"""The citizens' pages of the problems area, outside the staff area: no login."""

from django.urls import path

from veche.problems.views import public

app_name = "public_roadmaps"

urlpatterns = [
    path("<uuid:key>/", public.roadmap, name="roadmap"),
]
