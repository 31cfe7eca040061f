from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "veche.deadlines"
    label = "deadlines"
    verbose_name = "Сроки"

    def ready(self) -> None:
        from veche.deadlines.receivers import connect  # models are ready only now

        connect()
