from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "veche.intake"
    label = "intake"
    verbose_name = "Приём обращений"

    def ready(self) -> None:
        from veche.intake import signals, tasks  # noqa: F401  (receivers and jobs register)
