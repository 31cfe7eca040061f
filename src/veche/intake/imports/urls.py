from django.urls import path

from veche.intake.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.run_page, name="run"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/report.csv", views.report, name="report"),
]
