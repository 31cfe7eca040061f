from django.urls import path

from veche.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.archive, name="archive"),
    path("new/", views.order, name="order"),
    path("<int:pk>/", views.report_row, name="row"),
    path("<int:pk>/xlsx", views.download, {"fmt": "xlsx"}, name="xlsx"),
    path("<int:pk>/pdf", views.download, {"fmt": "pdf"}, name="pdf"),
    path("templates/<str:kind>/", views.edit_template, name="template"),
    path("templates/<str:kind>/reset/", views.reset, name="template_reset"),
]
