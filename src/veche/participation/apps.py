from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "veche.participation"
    label = "participation"
    verbose_name = "Опросы и обсуждения"
