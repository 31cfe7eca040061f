from django.urls import URLPattern, URLResolver, path

from veche.participation.views import discussions, staff

app_name = "participation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", staff.poll_list, name="polls"),
    path("new/", staff.poll_new, name="poll_new"),
    path("<int:pk>/", staff.poll_detail, name="poll"),
    path("<int:pk>/edit/", staff.poll_edit, name="poll_edit"),
    path("<int:pk>/questions/", staff.question_add, name="question_add"),
    path(
        "<int:pk>/questions/<int:question_pk>/delete/",
        staff.question_delete,
        name="question_delete",
    ),
    path("<int:pk>/open/", staff.poll_status, {"to": "open"}, name="poll_open"),
    path("<int:pk>/close/", staff.poll_status, {"to": "close"}, name="poll_close"),
    path("<int:pk>/results/", staff.poll_results_page, name="poll_results"),
    path("<int:pk>/results.csv", staff.poll_export, {"fmt": "csv"}, name="poll_csv"),
    path("<int:pk>/results.xlsx", staff.poll_export, {"fmt": "xlsx"}, name="poll_xlsx"),
    path("discussions/", discussions.discussion_list, name="discussions"),
    path("discussions/new/", discussions.discussion_new, name="discussion_new"),
    path("discussions/<int:pk>/", discussions.discussion_detail, name="discussion"),
    path(
        "discussions/<int:pk>/comments/<int:comment_pk>/",
        discussions.comment_moderate,
        name="comment_moderate",
    ),
]
