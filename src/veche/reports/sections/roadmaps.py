"""«Меры и ход выполнения дорожных карт» (DOMAIN.md, the quarterly report): each road map
under way in the quarter with its actions, its progress, its target and the effect measured
from the cases up to the end of the quarter (`problems.effect`, as its page shows it)."""

from datetime import timedelta

from django.db.models import Max, Q
from django.utils import timezone

from veche.analytics.indicators import Actor, Period
from veche.org.models import Municipality
from veche.problems.effect import Adjustment, local_day, roadmap_effect
from veche.problems.models import Action, Roadmap
from veche.problems.roadmap_selectors import visible_roadmaps
from veche.problems.roadmaps import roadmap_progress
from veche.reports.content import Chart, Column, Content, Fmt, Value

ADJUSTED = {
    Adjustment.YEAR_BEFORE: "к тем же месяцам годом раньше",
    Adjustment.CONTROL: "к остальным сообщениям МО",
    Adjustment.NONE: "без поправки",
}
OPEN = (Action.Status.PLANNED, Action.Status.IN_PROGRESS)


def progress(actor: Actor, municipality: Municipality, period: Period) -> Content:
    """Road maps under way in the period: active ones started by its end, and finished ones
    whose last action was done in it or later (or which have no dates of completion)."""
    found = (
        visible_roadmaps(actor)
        .filter(municipality=municipality, started_on__lte=period.end)
        .annotate(last_done=Max("actions__done_on"))
        .filter(
            Q(status=Roadmap.Status.ACTIVE)
            | Q(status=Roadmap.Status.DONE)
            & (Q(last_done__isnull=True) | Q(last_done__gte=period.start))
        )
        .prefetch_related("actions")
        .order_by("started_on", "pk")
    )
    rows = [_row(roadmap, period) for roadmap in found]
    columns = [
        Column("Дорожная карта", width=2.6),
        Column("О чём", width=1.8),
        Column("Подразделение", width=1.4),
        Column("Состояние"),
        Column("Мероприятий", Fmt.INT, width=0.8),
        Column("Выполнено", Fmt.INT, width=0.8),
        Column("Просрочено", Fmt.INT, width=0.8),
        Column("Ход выполнения", Fmt.SHARE),
        Column("Цель", width=1.2),
        Column("Сообщений до", Fmt.INT, width=0.8),
        Column("Сообщений после", Fmt.INT, width=0.8),
        Column("Изменение", Fmt.CHANGE),
        Column("Поправка на сезон", width=1.4),
        Column("Итог", width=1.2),
    ]
    note = (
        "Ход выполнения — среднее по мероприятиям (выполненное = 100 %, отменённые не "
        "считаются), состояние мероприятий — на день формирования отчёта; просрочены "
        "незавершённые мероприятия со сроком до конца периода. Эффект — по сообщениям до "
        "конца периода: столько же целых месяцев до начала работ и после, с поправкой на сезон."
    )
    chart = Chart("barh", (7,), "Ход выполнения дорожных карт") if rows else None
    return Content(columns, rows, chart, note, empty="В периоде дорожные карты не выполнялись.")


def _row(roadmap: Roadmap, period: Period) -> list[Value]:
    actions = list(roadmap.actions.all())
    counted = [a for a in actions if a.status != Action.Status.CANCELLED]
    done = sum(a.status == Action.Status.DONE for a in counted)
    late = sum(a.status in OPEN and a.due_on <= period.end for a in counted)
    share = roadmap_progress(actions)
    until = min(period.end + timedelta(days=1), local_day(roadmap, timezone.now()))
    found = roadmap_effect(roadmap, until=until)
    effect = found.now
    measured = bool(effect.windows.after)
    return [
        roadmap.title,
        _about(roadmap),
        roadmap.department.name if roadmap.department else "—",
        roadmap.get_status_display(),
        len(counted),
        done,
        late,
        None if share is None else share / 100,
        _target(roadmap),
        effect.before if measured else None,
        effect.after if measured else None,
        effect.change,
        ADJUSTED[effect.adjustment] if effect.change is not None else "—",
        found.verdict.label,
    ]


def _about(roadmap: Roadmap) -> str:
    if roadmap.problem is not None:
        return roadmap.problem.title
    topic = roadmap.topic.name if roadmap.topic else "все темы"
    territory = roadmap.territory.name if roadmap.territory else "вся территория"
    return f"{topic} · {territory}"


def _target(roadmap: Roadmap) -> str:
    if roadmap.target_percent is None:
        return "—"
    by = f" к {roadmap.target_date:%d.%m.%Y}" if roadmap.target_date else ""
    return f"−{roadmap.target_percent} %{by}"
