from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "veche.analytics"
    label = "analytics"
    verbose_name = "Аналитика"
