from django.urls import URLPattern, URLResolver, path

from veche.monitoring import views

app_name = "monitoring"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mentions, name="mentions"),
    path("mentions/<int:pk>/case/", views.mention_case, name="mention_case"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:pk>/", views.source_edit, name="source_edit"),
    path("words/", views.add_word, name="add_word"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
]
