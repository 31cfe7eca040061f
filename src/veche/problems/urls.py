from django.urls import path

from veche.problems import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/cases/<int:case_id>/remove/", views.remove_case, name="remove_case"),
]
