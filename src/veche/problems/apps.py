from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "veche.problems"
    label = "problems"
    verbose_name = "Проблемы"
