"""Finished cases with everything personal a case can carry: the author's data, an answer
addressed by name, a citizen's message, a staff comment, a file, a survey comment."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.personas import World, make_case
from veche.cases.models import Attachment, Case
from veche.cases.services import (
    CitizenData,
    add_citizen_message,
    add_comment,
    approve_answer,
    attach_file,
    change_status,
    draft_answer,
    record_answer_sent,
)
from veche.cases.workflow import Regime, Status
from veche.feedback.models import Survey
from veche.feedback.services import Rating, ask, rate_survey

# 10.01.2021 21:30 UTC is 11.01.2021 00:30 in Moscow: the final day is 11 January.
CLOSED = datetime(2021, 1, 10, 21, 30, tzinfo=UTC)
PETROV = CitizenData(
    full_name="Петров Пётр Петрович",
    phone="+7 900 111-22-33",
    email="petrov@mail.ru",
    postal_address="г. Демо, ул. Ленина, д. 5, кв. 12",
    social_id="tg://user?id=777",
)
SIDOROVA = CitizenData(full_name="Сидорова Анна Ильинична", phone="+7 901 555-66-77")


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@dataclass
class Finished:
    case: Case
    attachment: Attachment


def finish_case(
    world: World,
    commits: Any,
    *,
    closed_at: datetime = CLOSED,
    author: CitizenData = PETROV,
    status: Status = Status.CLOSED,
) -> Finished:
    """An appeal answered by name, rated with a comment, then closed at `closed_at`."""
    start = closed_at - timedelta(days=10)
    case = make_case(
        world.municipality,
        regime=Regime.APPEAL,
        text="Я, Петров Пётр, живу на ул. Ленина, д. 5, кв. 12, тел. +7 900 111-22-33: яма.",
        received_at=start,
        department=world.housing,
        author=author,
    )
    executor = world.housing_executor
    change_status(case, Status.IN_WORK, by=executor, now=start)
    add_comment(case, "Звонил Петрову по +7 900 111-22-33", by=executor, now=start)
    add_citizen_message(case, "Петров: яма всё ещё на месте", at=start, via="email")
    upload = SimpleUploadedFile("паспорт Петрова.txt", "Паспорт 1234 567890".encode())
    with commits(execute=True):
        attachment = attach_file(case, upload, by=executor, now=start)
    answer = draft_answer(case, "Уважаемый Пётр Петрович! Яму засыпали.", by=executor, now=start)
    approve_answer(answer, by=world.head, now=start)
    with commits(execute=True):
        record_answer_sent(answer, at=start + timedelta(days=1), via="pos")
    ask(answer, via="email", now=start + timedelta(days=1))
    rate_survey(
        Survey.objects.get(answer=answer),
        Rating(5, True, comment="Спасибо, Пётр Петрович доволен"),
        via="web",
        now=start + timedelta(days=2),
    )
    case.refresh_from_db()
    if case.status != status:
        change_status(case, status, by=None, now=closed_at)
    case.refresh_from_db()
    return Finished(case, attachment)
