"""Deadlines on the pages: the card's clocks panel and extension, the due list, the inbox."""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from tests.personas import World, make_case
from veche.cases.models import Case
from veche.cases.services import assign_case, change_status
from veche.cases.workflow import Regime, Status
from veche.deadlines.models import Clock


def _appeal(world: World, capture: Any, days_ago: int) -> Case:
    received = timezone.now() - timedelta(days=days_ago)
    with capture(execute=True):
        case = make_case(
            world.municipality, regime=Regime.APPEAL, channel="letter", received_at=received
        )
    assign_case(case, world.housing, by=world.head, now=received + timedelta(hours=1))
    change_status(case, Status.IN_WORK, by=world.head, now=received + timedelta(hours=2))
    return case


def test_the_card_shows_clocks_and_the_head_extends_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    case = _appeal(world, django_capture_on_commit_callbacks, days_ago=10)
    client = Client()
    client.force_login(world.housing_executor)

    panel = client.get(f"/deadlines/cases/{case.pk}/").content.decode()
    assert "Срок ответа" in panel and "Продлить срок ответа" not in panel
    refused = client.post(
        f"/deadlines/cases/{case.pk}/", {"action": "extend", "days": 10, "reason": "экспертиза"}
    )
    assert refused.status_code == 400

    client.force_login(world.head)
    before = Clock.objects.get(case=case, kind="answer").due_at
    done = client.post(
        f"/deadlines/cases/{case.pk}/", {"action": "extend", "days": 30, "reason": "экспертиза"}
    )
    assert done.status_code == 200 and "продлён на 30" in done.content.decode()
    assert Clock.objects.get(case=case, kind="answer").due_at > before
    again = client.post(
        f"/deadlines/cases/{case.pk}/", {"action": "extend", "days": 5, "reason": "ещё"}
    )
    assert again.status_code == 400

    client.force_login(world.housing_executor)
    promised = (timezone.localdate() + timedelta(days=7)).isoformat()
    done = client.post(f"/deadlines/cases/{case.pk}/", {"action": "promise", "promised": promised})
    assert done.status_code == 200 and "обещан к" in done.content.decode()
    assert Clock.objects.get(case=case, kind="answer").promised_at is not None
    too_late = (timezone.localdate() + timedelta(days=400)).isoformat()
    late = client.post(f"/deadlines/cases/{case.pk}/", {"action": "promise", "promised": too_late})
    assert late.status_code == 400

    client.force_login(world.neighbour_operator)
    assert client.get(f"/deadlines/cases/{case.pk}/").status_code == 404


def test_overdue_cases_are_listed_and_filtered(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    late = _appeal(world, django_capture_on_commit_callbacks, days_ago=40)
    fresh = _appeal(world, django_capture_on_commit_callbacks, days_ago=1)
    client = Client()
    client.force_login(world.operator)

    due = client.get("/deadlines/").content.decode()
    assert late.number in due and fresh.number not in due

    inbox = client.get("/cases/", {"due": "overdue"}).content.decode()
    assert late.number in inbox and fresh.number not in inbox
    api = client.get("/api/v1/cases", {"due": "overdue"}).json()
    assert [item["number"] for item in api["items"]] == [late.number]
    assert client.get("/api/v1/cases", {"due": "someday"}).status_code == 422


def test_a_term_that_ends_tonight_is_due_today(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """A day term «по» today ends at local midnight: it is due today, not «in two days»."""
    case = _appeal(world, django_capture_on_commit_callbacks, days_ago=1)
    zone = ZoneInfo(world.municipality.time_zone)
    tonight = datetime.combine(timezone.localdate(timezone=zone) + timedelta(days=1), time.min)
    Clock.objects.filter(case=case, kind="answer").update(due_at=tonight.replace(tzinfo=zone))
    client = Client()
    client.force_login(world.operator)

    inbox = client.get("/cases/", {"due": "today"}).content.decode()
    assert case.number in inbox
    due = client.get("/deadlines/").content.decode()
    today = due.index("Истекает сегодня")
    assert today < due.index(case.number) < due.index("Истекает в ближайшие два дня")
