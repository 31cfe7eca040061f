from django.urls import path

from veche.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/author/", views.reveal, name="reveal"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/topic/", views.topic, name="topic"),
    path("<int:pk>/place/", views.place, name="place"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/link/", views.link, name="link"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
