from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "veche.feedback"
    label = "feedback"
    verbose_name = "Качество ответов и оценки"

    def ready(self) -> None:
        from veche.feedback import receivers  # noqa: F401  (connects the checks and the survey)
