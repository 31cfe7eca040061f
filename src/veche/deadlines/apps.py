from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "veche.deadlines"
    label = "deadlines"
    verbose_name = "Сроки"
