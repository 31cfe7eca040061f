"""`veche demo`: build the demo municipality and print its logins."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from veche.demo.builder import DEFAULT_CASES, DEFAULT_SEED, DemoError, DemoResult, build_demo
from veche.demo.staff import DEMO_PASSWORD, login_rows
from veche.org.models import Block, Department, Territory


class Command(BaseCommand):
    help = (
        "Создать демонстрационный муниципалитет «Краснолесский муниципальный округ»: "
        "структуру, сотрудников и обращения за последние 12 месяцев."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=DEFAULT_CASES, help="сколько обращений создать"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="зерно генератора (тот же — те же данные)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="удалить существующий демо-муниципалитет и создать заново",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cases"] < 0:
            raise CommandError("--cases не может быть отрицательным.")
        try:
            result = build_demo(
                cases=options["cases"],
                seed=options["seed"],
                now=timezone.now(),
                reset=options["reset"],
                progress=options["verbosity"] > 0,
            )
        except DemoError as error:
            raise CommandError(str(error)) from error
        if result.created:
            self._summary(result)
        else:
            self.stdout.write(
                f"Демо-муниципалитет «{result.municipality.name}» уже создан "
                f"({result.cases} обращений). Пересоздать: veche demo --reset"
            )
        self._logins()

    def _summary(self, result: DemoResult) -> None:
        municipality = result.municipality
        units = Territory.objects.filter(municipality=municipality, kind=Territory.Kind.UNIT)
        settlements = Territory.objects.filter(
            municipality=municipality, kind=Territory.Kind.SETTLEMENT
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Создан демо-муниципалитет «{municipality.name}» за {result.seconds:.0f} с:"
            )
        )
        blocks = Block.objects.filter(municipality=municipality).count()
        departments = Department.objects.filter(municipality=municipality).count()
        self.stdout.write(
            f"  территориальных отделов: {units.count()}, "
            f"населённых пунктов: {settlements.count()}, блоков: {blocks}, "
            f"подразделений: {departments}, обращений: {result.cases}"
        )

    def _logins(self) -> None:
        self.stdout.write("\nДемо-логины:")
        for username, role, scope in login_rows():
            where = f" — {scope}" if scope else ""
            self.stdout.write(f"  {username:<14} {role}{where}")
        self.stdout.write(f"\nПароль для всех демо-логинов: {DEMO_PASSWORD}")
