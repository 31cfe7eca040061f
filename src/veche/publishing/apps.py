from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "veche.publishing"
    label = "publishing"
    verbose_name = "Госпаблики"
