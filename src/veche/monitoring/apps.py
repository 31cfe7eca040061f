from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "veche.monitoring"
    label = "monitoring"
    verbose_name = "Мониторинг инфополя"
