from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "veche.triage"
    label = "triage"
    verbose_name = "Разбор текста"

    def ready(self) -> None:
        from veche.triage import signals, tasks  # noqa: F401  (receivers and jobs register)
