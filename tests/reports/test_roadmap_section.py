"""«Меры и ход выполнения дорожных карт» in the quarterly report: the road maps under way in
the quarter, their actions, progress, target and the effect measured up to the quarter's end."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.personas import NOW, World
from tests.problems.test_effect import AFTER, BEFORE, _drafts
from tests.reports.conftest import Dataset
from tests.reports.test_generation import _generated, _sheet
from veche.analytics.indicators import Period
from veche.cases.services import record_cases
from veche.org.models import Territory
from veche.problems.models import Roadmap
from veche.problems.roadmaps import (
    ActionData,
    RoadmapData,
    add_action,
    create_roadmap,
    report_progress,
)
from veche.reports.models import Report, ReportKind
from veche.reports.sections import roadmaps as section
from veche.reports.selectors import reader_for

pytestmark = pytest.mark.django_db

QUARTER = Period.quarter(2026, 4)
TITLE = "Меры и ход выполнения дорожных карт"


def _map(world: World, title: str, status: str, **fields: Any) -> Roadmap:
    data = RoadmapData(
        title=title,
        started_on=fields.pop("started_on", date(2026, 8, 1)),
        topic=fields.pop("topic", world.topic_pits),
        status=status,
        **fields,
    )
    return create_roadmap(world.municipality, data, by=world.operator, now=NOW)


def _under_way(world: World) -> Roadmap:
    """Ямочный ремонт in микрорайон Лесной: 20 messages a month before, 4 after; the rest of
    the municipality steady at 5 a month; four actions, one of them late."""
    quarter = Territory.objects.create(
        municipality=world.municipality, kind="neighbourhood", name="микрорайон Лесной"
    )
    record_cases(
        world.municipality,
        _drafts(BEFORE, 20, prefix="in", topic=world.topic_pits, territory=quarter)
        + _drafts(AFTER, 4, prefix="in", topic=world.topic_pits, territory=quarter)
        + _drafts(BEFORE + AFTER, 5, prefix="rest", topic=world.topic_heating, territory=quarter),
        by=None,
    )
    roadmap = _map(
        world,
        "Ямочный ремонт в Лесном",
        "active",
        territory=quarter,
        department=world.roads,
        target_percent=80,
        target_date=date(2027, 8, 31),
    )
    for title, due, status, progress in (
        ("Обследование", date(2026, 9, 1), "planned", 0),
        ("Ремонт", date(2026, 11, 1), "in_progress", 50),  # late by the quarter's end
        ("Приёмка", date(2027, 3, 1), "planned", 0),
        ("Лишнее", date(2026, 10, 1), "cancelled", 0),
    ):
        action = add_action(
            roadmap,
            ActionData(title=title, due_on=due, status=status, progress=progress),
            by=world.operator,
            now=NOW,
        )
        if title == "Обследование":
            report_progress(
                action, status="done", progress=100, note="", by=world.operator, now=NOW
            )
    return roadmap


def test_the_section_lists_the_road_maps_under_way_with_their_measured_effect(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _under_way(world)
    _map(world, "Проект на будущее", "draft")
    finished = _map(world, "Завершена весной", "done", started_on=date(2026, 2, 1))
    spring = add_action(
        finished, ActionData("Сделано", date(2026, 4, 1)), by=world.operator, now=NOW
    )
    report_progress(
        spring,
        status="done",
        progress=100,
        note="",
        by=world.operator,
        now=datetime(2026, 5, 10, 9, tzinfo=UTC),
    )
    create_roadmap(
        world.neighbour,
        RoadmapData("Соседская", date(2026, 8, 1), topic=world.topic_pits, status="active"),
        by=world.neighbour_operator,
        now=NOW,
    )
    # The report is made in January: the effect is measured up to the end of December.
    monkeypatch.setattr(section, "local_day", lambda roadmap, now: date(2027, 1, 15))

    content = section.progress(reader_for(world.municipality), world.municipality, QUARTER)

    assert [row[0] for row in content.rows] == ["Ямочный ремонт в Лесном"]
    row = content.rows[0]
    assert row[1:9] == [
        "Ямы во дворах (тест) · микрорайон Лесной",
        "Комитет по дорогам",
        "выполняется",
        3,  # the cancelled one is left out
        1,
        1,
        pytest.approx(0.5),  # (100 + 50 + 0) / 3
        "−80 % к 31.08.2027",
    ]
    # March–July (60) against August–December (12), the rest of the municipality 15 → 15.
    assert row[9:] == [
        60, 12, pytest.approx(-0.8), "к остальным сообщениям МО", "цель уже достигается"
    ]  # fmt: skip
    assert content.chart is not None and content.columns[7].label == "Ход выполнения"


def test_no_road_maps_is_said_plainly(world: World) -> None:
    content = section.progress(reader_for(world.municipality), world.municipality, QUARTER)

    assert content.rows == [] and content.chart is None
    assert content.empty == "В периоде дорожные карты не выполнялись."


def test_the_quarterly_report_carries_the_section(dataset: Dataset) -> None:
    _under_way(dataset.world)

    report = _generated(dataset, ReportKind.QUARTERLY, QUARTER)

    assert report.state == Report.State.DONE, report.error
    sheet = _sheet(report, TITLE)
    assert sheet[""][:3] == ["О чём", "Подразделение", "Состояние"]
    assert sheet["Ямочный ремонт в Лесном"][3:7] == [3, 1, 1, 0.5]
