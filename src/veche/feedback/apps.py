from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "veche.feedback"
    label = "feedback"
    verbose_name = "Качество ответов и оценки"
