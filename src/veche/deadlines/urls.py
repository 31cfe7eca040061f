from django.urls import path

from veche.deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("", views.due_list, name="due"),
    path("cases/<int:case_id>/", views.case_clocks, name="case_clocks"),
    path("notifications/", views.notifications, name="notifications"),
]
