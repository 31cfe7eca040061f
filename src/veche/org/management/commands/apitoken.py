from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veche.org.models import User
from veche.org.services import issue_api_token


class Command(BaseCommand):
    help = "Выпустить токен API для внешней системы (действует с правами указанного сотрудника)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="название клиента, например «Сайт администрации»")
        parser.add_argument("--user", required=True, help="логин сотрудника")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"Нет сотрудника с логином {options['user']!r}.")
        client, token = issue_api_token(options["name"], user=user)
        self.stdout.write(f"Клиент «{client.name}» создан. Токен (показывается один раз):\n{token}")
