from django.urls import path

from veche.feedback import views

app_name = "feedback"

urlpatterns = [
    path("answers/<int:pk>/check/", views.answer_check, name="answer_check"),
]
