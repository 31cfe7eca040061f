"""A subject's request: everything about one citizen in one ZIP, logged, refused outside
one's own municipality (152-ФЗ ст. 14, ст. 20; DOMAIN.md §8 item 21)."""

import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD, World, make_case
from tests.privacy.conftest import PETROV, finish_case
from veche.cases.models import Citizen, PersonalDataAccess
from veche.privacy.errors import PrivacyError
from veche.privacy.export import write_subject_export
from veche.privacy.purge import purge_personal_data

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _zip(citizen: Citizen, by: Any) -> zipfile.ZipFile:
    out = io.BytesIO()
    write_subject_export(citizen, out, by=by, now=NOW)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def test_the_export_holds_everything_about_the_citizen(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    done = finish_case(world, django_capture_on_commit_callbacks)
    assert done.case.author_id is not None
    citizen = Citizen.objects.get(pk=done.case.author_id)
    other = make_case(world.municipality, text="Чужое обращение о свете")

    archive = _zip(citizen, world.head)

    data = json.loads(archive.read("data.json"))
    assert data["citizen"]["full_name"] == PETROV.full_name
    assert (data["citizen"]["phone"], data["citizen"]["email"]) == (PETROV.phone, PETROV.email)
    assert data["citizen"]["postal_address"] == PETROV.postal_address
    [case] = data["cases"]
    assert (case["number"], case["text"]) == (done.case.number, done.case.text)
    assert [a["text"] for a in case["answers"]] == ["Уважаемый Пётр Петрович! Яму засыпали."]
    assert [s["comment"] for s in case["surveys"]] == ["Спасибо, Пётр Петрович доволен"]
    comments = [e["comment"] for e in case["events"]]
    assert "Петров: яма всё ещё на месте" in comments
    [attachment] = case["attachments"]
    assert "stored" not in attachment
    assert archive.read(attachment["path"]) == "Паспорт 1234 567890".encode()
    assert other.number not in archive.read("data.json").decode()
    # The export itself is in the log it contains.
    assert data["access_log"][-1]["purpose"] == "subject_request"
    assert (
        PersonalDataAccess.objects.filter(
            citizen=citizen, user=world.head, purpose="subject_request"
        ).count()
        == 1
    )
    html = archive.read("report.html").decode()
    assert PETROV.full_name in html and done.case.number in html


def test_the_readable_report_escapes_what_the_citizen_wrote(world: World, media: Path) -> None:
    case = make_case(
        world.municipality,
        text="<script>alert(1)</script> яма",
        author=PETROV,
    )
    assert case.author_id is not None
    archive = _zip(Citizen.objects.get(pk=case.author_id), world.head)
    html = archive.read("report.html").decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_cases_already_purged_are_listed_without_their_data(
    world: World, django_capture_on_commit_callbacks: Any, media: Path
) -> None:
    done = finish_case(world, django_capture_on_commit_callbacks)
    citizen_id = done.case.author_id
    with django_capture_on_commit_callbacks(execute=True):
        act = purge_personal_data(world.municipality, today=date(2030, 1, 1), by=None, now=NOW).act
    assert act is not None and citizen_id is not None

    data = json.loads(_zip(Citizen.objects.get(pk=citizen_id), world.head).read("data.json"))

    assert data["cases"] == []
    assert [(d["number"], d["act"]) for d in data["destroyed"]] == [(done.case.number, act.number)]
    assert data["citizen"]["full_name"] == ""


@pytest.mark.parametrize("persona", ["neighbour_operator", "housing_executor", "regional"])
def test_the_export_is_refused_outside_ones_own_management(
    world: World, persona: str, media: Path
) -> None:
    case = make_case(world.municipality, author=PETROV)
    assert case.author_id is not None
    citizen = Citizen.objects.get(pk=case.author_id)
    with pytest.raises(PrivacyError):
        write_subject_export(citizen, io.BytesIO(), by=getattr(world, persona), now=NOW)
    assert PersonalDataAccess.objects.count() == 0


def test_the_page_exports_for_the_head_and_hides_the_citizen_from_a_neighbour(
    world: World, media: Path
) -> None:
    case = make_case(world.municipality, author=PETROV)
    url = reverse("privacy:subject_export", args=[case.author_id])
    head, neighbour = Client(), Client()
    head.login(username="head", password=PASSWORD)
    neighbour.login(username="neighbour_operator", password=PASSWORD)

    refused = neighbour.post(url)
    response = head.post(url)

    assert refused.status_code == 404
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    data = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("data.json"))
    assert data["citizen"]["full_name"] == PETROV.full_name
    assert PersonalDataAccess.objects.filter(user=world.head).count() == 1
    assert not PersonalDataAccess.objects.filter(user=world.neighbour_operator).exists()


def test_the_subject_is_found_by_a_case_number(world: World) -> None:
    case = make_case(world.municipality, author=PETROV)
    client = Client()
    client.login(username="head", password=PASSWORD)
    found = client.get(reverse("privacy:find_subject"), {"number": case.number})
    assert found.status_code == 302
    assert found["Location"] == reverse("privacy:subject", args=[case.author_id])
    assert client.get(found["Location"]).status_code == 200
    missing = client.get(reverse("privacy:find_subject"), {"number": "нет-такого"})
    assert missing.status_code == 404
    assert "не найдено" in missing.text


def test_the_command_writes_the_zip(world: World, tmp_path: Path, media: Path) -> None:
    case = make_case(world.municipality, author=PETROV)
    out = tmp_path / "petrov.zip"

    call_command("citizen_export", "--citizen", str(case.author_id), "--by", "head", "--out", out)

    data = json.loads(zipfile.ZipFile(out).read("data.json"))
    assert data["cases"][0]["number"] == case.number
    with pytest.raises(CommandError):
        call_command(
            "citizen_export", "--citizen", str(case.author_id), "--by", "neighbour_operator",
            "--out", tmp_path / "no.zip",
        )  # fmt: skip
    assert not (tmp_path / "no.zip").exists() and not (tmp_path / "no.zip.part").exists()


def test_the_subject_page_shows_the_ten_working_day_term(world: World) -> None:
    case = make_case(world.municipality, author=PETROV)
    client = Client()
    client.login(username="head", password=PASSWORD)
    url = reverse("privacy:subject", args=[case.author_id])

    # Friday 4 December 2026: ten working days end on Friday the 18th, fifteen on the 25th.
    page = client.get(url, {"received": "2026-12-04"})
    bad = client.get(url, {"received": "вчера"})

    assert page.status_code == 200
    assert page.context["terms"].due == date(2026, 12, 18)
    assert page.context["terms"].extended_due == date(2026, 12, 25)
    assert "18.12.2026" in page.text
    assert bad.status_code == 400
