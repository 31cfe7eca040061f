"""The residents' pages of polls and discussions, outside the staff area: no staff login."""

from django.urls import URLPattern, URLResolver, path

from veche.participation.views import public

app_name = "public_participation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<uuid:key>/", public.poll, name="poll"),
    path("<uuid:key>/identify/", public.identify, name="identify"),
    path("<uuid:key>/confirm/", public.confirm, name="confirm"),
    path("<uuid:key>/vote/", public.vote, name="vote"),
    path("<uuid:key>/results/", public.results, name="results"),
    path("discussions/<uuid:key>/", public.discussion, name="discussion"),
]
