from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "veche.privacy"
    label = "privacy"
    verbose_name = "Персональные данные"
