from django.urls import URLPattern, URLResolver, path

from veche.publishing import views

app_name = "publishing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.page_list, name="pages"),
    path("pages/new/", views.page_new, name="page_new"),
    path("pages/<int:pk>/", views.page_edit, name="page_edit"),
    path("plan/", views.plan, name="plan"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/from-template/", views.post_from_template, name="post_from_template"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/approve/", views.post_approve, name="post_approve"),
    path("posts/<int:pk>/resolve/", views.post_resolve, name="post_resolve"),
    path("checks/", views.checks, name="checks"),
    path("report/", views.report, name="report"),
    path("comments/<int:pk>/case/", views.comment_case, name="comment_case"),
]
