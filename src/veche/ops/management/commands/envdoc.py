"""`veche envdoc`: every environment variable the settings read, as an env file example.

deploy/veche.env.example is this command's output (a test keeps them equal): the variables a
production installation must set are given example values, the rest are commented out with
their meaning and take their defaults.
"""

from typing import Any

from django.core.management.base import BaseCommand

from veche.env import VARIABLES

HEADER = """\
# Переменные окружения Вече: пример для /etc/veche/veche.env (права 0640, владелец root:veche).
# Создано командой `veche envdoc`; значения по умолчанию — в README, раздел «Настройки»,
# порядок установки — docs/production.md. Незакомментированные нужно задать в продакшене.
"""

# What a production installation sets (docs/production.md); the example values are placeholders.
PRODUCTION = {
    "VECHE_SECRET_KEY": "замените-на-длинную-случайную-строку",  # a placeholder  # nosec B105
    "VECHE_DEBUG": "0",
    "VECHE_ALLOWED_HOSTS": "appeals.example.ru",
    "VECHE_CSRF_TRUSTED_ORIGINS": "https://appeals.example.ru",
    "VECHE_PUBLIC_URL": "https://appeals.example.ru",
    "VECHE_SECURE_COOKIES": "1",
    "DATABASE_URL": "postgres://veche:ПАРОЛЬ@127.0.0.1:5432/veche",
    "VECHE_REDIS_URL": "redis://127.0.0.1:6379/0",
    "VECHE_VAR_DIR": "/var/lib/veche",
    "VECHE_BACKUP_DIR": "/var/backups/veche",
    "VECHE_TRUSTED_PROXIES": "127.0.0.1,::1",
    "VECHE_LOG_FORMAT": "json",
}


def env_example() -> str:
    lines = [HEADER]
    for name in sorted(VARIABLES):
        lines.append(f"# {VARIABLES[name]}")
        lines.append(f"{name}={PRODUCTION[name]}" if name in PRODUCTION else f"#{name}=")
        lines.append("")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Напечатать все переменные окружения настроек в виде примера env-файла."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(env_example(), ending="")
