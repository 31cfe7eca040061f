from django.urls import path

from veche.problems.views import problems

app_name = "problems"

urlpatterns = [
    path("", problems.problem_list, name="list"),
    path("<int:pk>/", problems.problem_detail, name="detail"),
    path("<int:pk>/cases/<int:case_id>/remove/", problems.remove_case, name="remove_case"),
    # candidates (recurring problems not yet named)
    # fast tracks
    # road maps
    # meetings and instructions
]
