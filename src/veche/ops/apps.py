from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "veche.ops"
    label = "ops"
    verbose_name = "Эксплуатация"
