from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "veche.cases"
    label = "cases"
    verbose_name = "Обращения и сообщения"
