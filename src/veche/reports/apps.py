from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "veche.reports"
    label = "reports"
    verbose_name = "Отчёты и выгрузки"
