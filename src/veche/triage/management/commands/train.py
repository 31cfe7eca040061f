"""`veche train`: retrain the topic model and the municipalities' routing models on the shared
data plus officers' decisions, store each as a new inactive version, and show before/after.

Before/after is measured on the same held-out part: the time-split test part of the portal's
messages and the latest HELD_OUT of the corrections (routing: the latest fifth of the routed
cases). The new model's figures are those of its fit on the earlier part (as
`training.train` reports them); the active model's are computed on the same part, or taken
from its own report when it was trained on the same data with the same split, because a
model refit on everything has seen the test part and would look better than it is.

Training the topic model needs the portal's messages (VECHE_TRAINING_DATA or --data): on a
municipality's corrections alone it would forget every topic they do not mention, so without
the file it is skipped with a message and only the routing models are trained.
"""

import sys
from argparse import ArgumentParser
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from veche.org.models import Municipality
from veche.triage import corrections, registry, routing, training
from veche.triage.model import TopicModel
from veche.triage.models import TrainedModel
from veche.triage.topics import default_model

TOLERANCE = 0.005  # a drop smaller than this is noise, not «worse»
MIN_ROUTED = 50
TOPIC_STEPS = ("данные", "исправления", "калибровка", "обучение", "проверка", "обучение на всём")
HEADS = (("category", "категория"), ("reason", "причина"), ("topic", "тема Вече"))
Row = tuple[str, dict[str, float] | None, dict[str, float] | None]  # name, before, after


class Command(BaseCommand):
    help = "Дообучить модели тем и исполнителей на общих данных и исправлениях сотрудников"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--data", type=Path, help="сообщения портала (.jsonl.gz)")
        parser.add_argument("--only", choices=("topic", "routing"), help="обучить одну модель")
        parser.add_argument(
            "--min-routed", type=int, default=MIN_ROUTED, help="обращений с исполнителем для МО"
        )
        parser.add_argument("--activate", action="store_true", help="включить, если не хуже")
        parser.add_argument("--force", action="store_true", help="включить в любом случае")
        parser.add_argument("--list", action="store_true", help="версии моделей")
        parser.add_argument(
            "--switch", metavar="VERSION", help="включить версию (default: из поставки)"
        )
        parser.add_argument("--municipality", help="МО (название или id) для --switch")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        if options["switch"]:
            self._switch(options["switch"], options["municipality"])
            return
        now = timezone.now()
        switch_on = options["activate"] or options["force"]
        if options["only"] != "routing":
            path = options["data"] or training.data_path()
            self._train_topics(path, now, switch_on=switch_on, force=options["force"])
        if options["only"] != "topic":
            for municipality in Municipality.objects.order_by("pk"):
                self._train_routing(
                    municipality, now, options["min_routed"], switch_on, options["force"]
                )

    # The topic model ---------------------------------------------------------------------

    def _train_topics(self, path: Path, now: datetime, *, switch_on: bool, force: bool) -> None:
        if not path.is_file():
            self.stderr.write(
                f"Модель тем не обучалась: нет файла сообщений портала {path}. Укажите его "
                "в --data или в переменной VECHE_TRAINING_DATA. На одних исправлениях модель "
                "тем не учится: она забыла бы все темы, которых в них нет."
            )
            return
        bar = tqdm(total=len(TOPIC_STEPS), desc="Модель тем", file=sys.stderr, dynamic_ncols=True)
        step = _stepper(bar)
        step("данные")
        messages = training.read_messages(path)
        step("исправления")
        current = registry.topic_model()
        learn, held = corrections.hold_out(corrections.topic_corrections())
        learnt = corrections.topic_labels(learn, current)
        kept = corrections.topic_labels(held, current)
        model, report = training.train(messages, learnt, held_out=kept, step=step)
        bar.update()
        bar.close()
        report |= {
            "overruled": sum(c.overruled for c in learn + held),
            "corrections_until": max((c.at.isoformat() for c in learn + held), default=""),
        }
        held_messages = [training.Message(t, c, r) for t, c, r in kept]
        before = _topic_before(current, messages, learnt, held_messages, report)
        before["corrections_seen"] = _seen(current, held)
        report["before"] = {"version": current.version} | before
        row = registry.store_topic_model(model.with_meta(report=report), report=report, now=now)
        self._print_topic_report(row, current, report, before)
        self._decide(row, _topic_rows(before, report), switch_on=switch_on, force=force)

    def _print_topic_report(
        self, row: TrainedModel, current: TopicModel, report: dict[str, Any], before: Any
    ) -> None:
        rows = report["rows"]
        self.stdout.write(f"\nМодель тем: новая версия {row.version}")
        self.stdout.write(
            f"Данные: сообщений портала {rows['messages']} (обучение {rows['train']}, проверка "
            f"{rows['test']} с {report['test_from'][:10] or '—'}); исправлений сотрудников "
            f"{rows['corrections']} (из них не совпало с подсказкой {report['overruled']}; "
            f"на проверку {rows['held_out']} последних)"
        )
        self._table(current.version or "встроенная", _topic_rows(before, report))
        if before.get("portal_source") == "report":
            self.stdout.write(
                "Портал «сейчас» — по отчёту текущей версии: та же проверочная часть, до "
                "обучения на всём."
            )
        if before.get("corrections_seen"):
            self.stdout.write(
                "Текущая версия уже училась на части проверочных исправлений: её цифры по "
                "своим исправлениям завышены."
            )
        if before.get("portal_source") == "seen":
            self.stdout.write(
                "Внимание: текущая версия обучена на всех своих данных; если проверочные "
                "сообщения были среди них, её цифры по порталу завышены."
            )

    # Routing models ----------------------------------------------------------------------

    def _train_routing(
        self, municipality: Municipality, now: datetime, minimum: int, switch_on: bool, force: bool
    ) -> None:
        count = corrections.routed_count(municipality)
        if count < minimum:
            self.stdout.write(
                f"\n{municipality.name}: обращений с исполнителем {count} — для модели "
                f"исполнителей нужно не меньше {minimum}, пропущено."
            )
            return
        with tqdm(total=3, desc=f"Исполнители: {municipality.name}", file=sys.stderr) as bar:
            history = corrections.routing_history(municipality)
            bar.update()
            examples = [r.example for r in history]
            model, report = routing.train_routing(examples, refit_all=False)
            bar.update()
            test = routing.time_split(routing.dedupe(examples), 0.2)[1]
            officer = _officer_part(history, test)
            current = registry.routing_model(municipality)
            after = {"all": report["test"], "officer": _routing_scores(model, officer)}
            final = routing.fit_routing(routing.dedupe(examples), temperature=report["temperature"])
            bar.update()
        before = {
            "all": _routing_scores(current, test),
            "officer": _routing_scores(current, officer),
        }
        report |= {
            "after": after,
            "before": before | {"version": current.version if current else ""},
            "officer_examples": sum(r.by_officer for r in history),
        }
        stored = routing.RoutingModel(final.space, final.keys, final.head, model.meta)
        row = registry.store_routing_model(stored, municipality, report=report, now=now)
        self.stdout.write(f"\nИсполнители, {municipality.name}: новая версия {row.version}")
        self.stdout.write(
            f"Данные: обращений {report['rows']['examples']} (обучение {report['rows']['train']}, "
            f"проверка {report['rows']['test']}), решений сотрудников "
            f"{report['officer_examples']}; исполнителей {report['labels']}"
        )
        rows = _routing_rows(before, after, report["baseline"])
        self._table(current.version if current else "нет модели", rows)
        self._decide(row, rows[:2] if current else rows[2:], switch_on=switch_on, force=force)

    # Switching ---------------------------------------------------------------------------

    def _decide(
        self, row: TrainedModel, rows: Sequence[Row], *, switch_on: bool, force: bool
    ) -> None:
        worse = [
            name
            for name, before, after in rows
            if before and after and after["accuracy"] < before["accuracy"] - TOLERANCE
        ]
        verdict = f"хуже по точности: {', '.join(worse)}" if worse else "не хуже текущей"
        if not switch_on:
            self.stdout.write(
                f"Версия {row.version} сохранена, не включена ({verdict}). "
                f"Включить: veche train --switch {row.version}"
            )
        elif worse and not force:
            self.stdout.write(f"Версия {row.version} не включена: {verdict} (--force включит).")
        else:
            registry.activate(row.version, kind=row.kind, municipality=row.municipality)
            self.stdout.write(f"Версия {row.version} включена ({verdict}).")

    def _switch(self, version: str, municipality: str | None) -> None:
        if version == "default":
            registry.deactivate(kind=TrainedModel.Kind.TOPIC)
            self.stdout.write(f"Модель тем: включена встроенная ({default_model().version}).")
            return
        rows = TrainedModel.objects.filter(version=version).select_related("municipality")
        if municipality:
            rows = rows.filter(municipality=_municipality(municipality))
        found = list(rows.defer("data")[:2])
        if not found:
            raise CommandError(f"Нет версии {version} (список: veche train --list)")
        if len(found) > 1:
            raise CommandError(f"Версия {version} есть у нескольких МО: укажите --municipality")
        row = registry.activate(version, kind=found[0].kind, municipality=found[0].municipality)
        where = f", {row.municipality.name}" if row.municipality else ""
        self.stdout.write(f"Включена версия {row.version} ({row.get_kind_display()}{where}).")

    def _list(self) -> None:
        shipped = default_model()
        topics = list(registry.versions(TrainedModel.Kind.TOPIC))
        self.stdout.write("Модель тем (точность темы Вече: портал / свои исправления)")
        in_use = not any(r.is_active for r in topics)
        figures = _topic_figures(shipped.meta.get("report", {}))
        self.stdout.write(f"{'*' if in_use else ' '} встроенная {shipped.version}  {figures}")
        for r in topics:
            self.stdout.write(
                f"{'*' if r.is_active else ' '} {r.version}  {_topic_figures(r.report)}"
            )
        for municipality in Municipality.objects.order_by("pk"):
            routed = list(registry.versions(TrainedModel.Kind.ROUTING, municipality))
            if routed:
                self.stdout.write(f"Модель исполнителей, {municipality.name} (точность, macro-F1)")
            for r in routed:
                mark, figures = "*" if r.is_active else " ", _routing_figures(r.report)
                self.stdout.write(f"{mark} {r.version}  {figures}")
        self.stdout.write("* — используется")

    def _table(self, before_name: str, rows: Sequence[Row]) -> None:
        self.stdout.write(
            f"{'':36}{'сейчас':^19}│{'новая':^19}│\n"
            f"{'':36}{'точность':>9}{'macro-F1':>9} │{'точность':>9}{'macro-F1':>9} │ Δ точности"
        )
        for name, before, after in rows:
            delta = f"{after['accuracy'] - before['accuracy']:+.3f}" if before and after else "—"
            self.stdout.write(f"{name:36}{_pair(before):>18} │{_pair(after):>18} │ {delta:>7}")
        self.stdout.write(f"сейчас — {before_name}")


def _stepper(bar: tqdm) -> Callable[[str], None]:
    def step(name: str) -> None:
        if bar.n or name != TOPIC_STEPS[0]:
            bar.update()
        bar.set_postfix_str(name)

    return step


def _topic_before(
    current: TopicModel,
    messages: Sequence[training.Message],
    learnt: Sequence[tuple[str, str, str]],
    held: Sequence[training.Message],
    report: dict[str, Any],
) -> dict[str, Any]:
    """The active model's figures on the parts the new one was measured on."""
    own = current.meta.get("report") or {}
    same = (
        own.get("test_from") == report["test_from"]
        and own.get("rows", {}).get("test") == report["rows"]["test"]
    )
    if same and own.get("test"):
        portal, source = own["test"], "report"
    else:
        fixes = [training.Message(t, c, r) for t, c, r in learnt] + list(held)
        later = training.split(messages, fixes)[2]
        portal = training.evaluate(current, later)
        source = "seen" if own.get("refit_all", True) else "measured"
    return {
        "portal": portal,
        "portal_source": source,
        "corrections": training.evaluate_topics(current, held) if held else None,
    }


def _seen(current: TopicModel, held: Sequence[corrections.TopicCorrection]) -> bool:
    """Whether the active model learnt some of the held-out corrections."""
    until = (current.meta.get("report") or {}).get("corrections_until") or ""
    return bool(held) and until >= held[0].at.isoformat()


def _topic_rows(before: dict[str, Any], report: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [
        (f"Портал · {label}", before["portal"].get(head), report["test"].get(head))
        for head, label in HEADS
    ]
    if report.get("corrections_test"):
        rows.append(
            (
                "Свои исправления · тема Вече",
                before["corrections"]["topic"],
                report["corrections_test"]["topic"],
            )
        )
    return rows


def _routing_rows(
    before: dict[str, Any], after: dict[str, Any], baseline: dict[str, float] | None
) -> list[Row]:
    return [
        ("Все обращения", before["all"], after["all"]),
        ("Решения сотрудников", before["officer"], after["officer"]),
        ("Все обращения (против частотного)", baseline, after["all"]),
    ]


def _officer_part(
    history: Sequence[corrections.RoutedCase], test: Sequence[routing.RoutingExample]
) -> list[routing.RoutingExample]:
    held = {id(e) for e in test}
    return [r.example for r in history if r.by_officer and id(r.example) in held]


def _routing_scores(
    model: routing.RoutingModel | None, examples: Sequence[routing.RoutingExample]
) -> dict[str, float] | None:
    if model is None or not examples:
        return None
    return routing.evaluate(model, examples)


def _pair(scores: dict[str, float] | None) -> str:
    if not scores:
        return "—"
    return f"{scores['accuracy']:.3f}{scores['macro_f1']:9.3f}"


def _topic_figures(report: dict[str, Any]) -> str:
    portal = (report.get("test") or {}).get("topic")
    own = (report.get("corrections_test") or {}).get("topic")
    figures = [f"{x['accuracy']:.3f}" if x else "—" for x in (portal, own)]
    return " / ".join(figures) + f"  (данные до {(report.get('train_until') or '—')[:10]})"


def _routing_figures(report: dict[str, Any]) -> str:
    test = (report.get("after") or {}).get("all") or report.get("test")
    if not test:
        return "—"
    return f"точность {test['accuracy']:.3f}, macro-F1 {test['macro_f1']:.3f}"


def _municipality(value: str) -> Municipality:
    found = Municipality.objects.filter(name=value).first()
    if found is None and value.isdigit():
        found = Municipality.objects.filter(pk=int(value)).first()
    if found is None:
        raise CommandError(f"Нет МО «{value}»")
    return found
