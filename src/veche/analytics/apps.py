from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "veche.analytics"
    label = "analytics"
    verbose_name = "Аналитика"

    def ready(self) -> None:
        from veche.analytics import receivers  # noqa: F401
