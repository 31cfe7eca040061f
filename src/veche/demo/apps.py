from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "veche.demo"
    label = "demo"
    verbose_name = "Демонстрационные данные"
