from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "veche.org"
    label = "org"
    verbose_name = "Организация"
