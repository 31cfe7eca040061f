from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "veche.triage"
    label = "triage"
    verbose_name = "Разбор текста"
