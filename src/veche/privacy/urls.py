from django.urls import URLPattern, URLResolver, path

from veche.privacy import views

app_name = "privacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("rules/", views.save_rule, name="save_rule"),
    path("rules/<int:pk>/delete/", views.delete_rule, name="delete_rule"),
    path("holds/", views.place_hold, name="place_hold"),
    path("holds/<int:pk>/release/", views.release_hold, name="release_hold"),
    path("acts/<int:pk>.xlsx", views.act_download, name="act_xlsx"),
    path("access-log/", views.access_log_page, name="access_log"),
    path("citizens/", views.find_subject, name="find_subject"),
    path("citizens/<int:pk>/", views.subject, name="subject"),
    path("citizens/<int:pk>/export/", views.subject_export, name="subject_export"),
]
