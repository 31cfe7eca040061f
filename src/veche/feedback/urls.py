from django.urls import path

from veche.feedback import public_views, views

app_name = "feedback"

urlpatterns = [
    path("answers/<int:pk>/check/", views.answer_check, name="answer_check"),
    # The citizen's rating link: public, no login (public_views).
    path("r/<str:token>/", public_views.survey, name="survey"),
    path("r/<str:token>/thanks/", public_views.survey_thanks, name="survey_thanks"),
]
