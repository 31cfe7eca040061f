"""Hostile citizen text through the web form, the REST API and Open311 into every page that
shows it (issue 9): it comes out escaped, never as markup, and the JSON stays JSON.

Size policy, per channel (documented here, asserted below):
- public form: text up to 5,000 characters, name 300, address 500; more is a 400 with the form
  and its reasons (nothing stored). NUL is refused the same way («ноль-байт»).
- REST API: text up to 50,000, subject 500; more is a 422 naming the field; nothing stored.
  NUL is dropped on storage (PostgreSQL cannot hold it), the rest is kept whole.
- Open311: description up to 50,000, names up to 140; more is a 400 naming the field.
"""

import json
import time
import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from tests.personas import NOW, PASSWORD, World, make_case
from tests.security.payloads import (
    HUGE_LINE,
    HUGE_TEXT,
    RTL_NAME,
    TEXTS,
    XSS,
    assert_safe_html,
    stored,
)
from veche.cases.models import Case, Event
from veche.cases.services import assign_case, change_status, draft_answer
from veche.cases.workflow import Status
from veche.intake.public_forms import SALT
from veche.intake.views.public import status_url
from veche.org.models import User
from veche.org.services import issue_api_token
from veche.problems.models import Roadmap
from veche.problems.roadmaps import ActionData, RoadmapData, add_action, create_roadmap
from veche.problems.services import create_problem

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 300


def staff(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def api(user: User) -> Client:
    _, token = issue_api_token(f"hostile-{user.username}-{uuid.uuid4().hex[:6]}", user=user)
    return Client(headers={"authorization": f"Bearer {token}"})


def ticket() -> str:
    return signing.dumps({"id": uuid.uuid4().hex, "t": int(time.time() - 30)}, salt=SALT)


def public_form(**overrides: Any) -> dict[str, Any]:
    return {
        "text": "Во дворе яма, прошу засыпать.",
        "address": "ул. Ленина, 5",
        "full_name": "Мария",
        "consent": "on",
        "ticket": ticket(),
        "website": "",
        **overrides,
    }


def staff_pages(case: Case) -> list[str]:
    return [
        "/cases/",
        f"/cases/?q={case.number}",
        f"/cases/{case.pk}/",
        f"/deadlines/cases/{case.pk}/",
        "/deadlines/",
        "/problems/candidates/",
        "/analytics/cases/",
    ]


def assert_pages_safe(client: Client, paths: list[str]) -> None:
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_safe_html(response.content.decode())


def assert_shown_escaped(client: Client, case: Case, payload: str) -> None:
    """The card shows the text itself, escaped (the line breaks become <br>)."""
    body = client.get(f"/cases/{case.pk}/").content.decode()
    for line in stored(payload).strip().splitlines():
        if line.strip():
            assert escape(line.strip()) in body


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_public_form_keeps_hostile_text_inert_on_every_page(world: World, name: str) -> None:
    payload = TEXTS[name]
    fields = public_form(
        text=f"Яма во дворе. {payload}", full_name=payload[:300], address=payload[:500]
    )

    response = Client().post(f"/report/{world.municipality.oktmo}/", fields, follow=True)

    assert_safe_html(response.content.decode())
    if "\x00" in payload:  # Django's fields refuse NUL and say so; nothing is stored
        assert response.status_code == 400
        assert "запрещённый символ: ноль-байт" in response.content.decode()
        assert Case.objects.count() == 0
        return
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.text == f"Яма во дворе. {payload}".strip()
    client = staff(world.operator)
    assert_shown_escaped(client, case, case.text)
    assert_pages_safe(client, staff_pages(case))
    assert_safe_html(Client().get(status_url(case)).content.decode())


def test_the_public_form_refuses_a_huge_text_with_a_message(world: World) -> None:
    fields = public_form(text=HUGE_TEXT, full_name=HUGE_LINE)

    response = Client().post(f"/report/{world.municipality.oktmo}/", fields)

    body = response.content.decode()
    assert response.status_code == 400  # the form again, with the reasons
    assert "не более 5000 символов (сейчас 1049999)" in body
    assert "не более 300 символов (сейчас 10000)" in body
    assert Case.objects.count() == 0


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_api_stores_hostile_text_whole_and_serves_it_as_json(world: World, name: str) -> None:
    payload = TEXTS[name]
    body = {
        "channel": "api",
        "regime": "message",
        "text": f"Яма. {payload}",
        "subject": payload,
        "external_id": f"hostile-{name}",
        "address_raw": payload,
        "author": {"full_name": payload[:300], "email": "a@example.ru"},
    }
    client = api(world.operator)

    created = client.post("/api/v1/cases", data=json.dumps(body), content_type="application/json")

    assert created.status_code == 201, created.content
    assert created["Content-Type"].startswith("application/json")
    case = Case.objects.get()
    assert (case.text, case.subject) == (stored(f"Яма. {payload}"), stored(payload))
    detail = client.get(f"/api/v1/cases/{case.pk}")
    assert detail["Content-Type"].startswith("application/json")
    assert detail.json()["text"] == stored(f"Яма. {payload}")
    events = client.get(f"/api/v1/cases/{case.pk}/events")
    assert events.status_code == 200 and events["Content-Type"].startswith("application/json")
    pages = staff(world.operator)
    assert_shown_escaped(pages, case, case.text)
    assert_pages_safe(pages, staff_pages(case))


@pytest.mark.parametrize(
    ("field", "value"),
    [("text", HUGE_TEXT), ("subject", HUGE_LINE), ("external_id", HUGE_LINE)],
)
def test_the_api_refuses_oversize_fields_with_a_422(world: World, field: str, value: str) -> None:
    body = {"channel": "api", "regime": "message", "text": "Яма во дворе.", field: value}

    response = api(world.operator).post(
        "/api/v1/cases", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 422
    assert field in response.content.decode()
    assert Case.objects.count() == 0


def test_the_api_json_escapes_markup_in_its_raw_bytes(world: World) -> None:
    payload = XSS["script"]
    client = api(world.operator)
    body = {"channel": "api", "regime": "message", "text": payload, "subject": "\u2028" + payload}

    created = client.post("/api/v1/cases", data=json.dumps(body), content_type="application/json")

    assert created.status_code == 201
    assert json.loads(created.content)["text"] == payload
    assert created["X-Content-Type-Options"] == "nosniff"


def open311(world: World, **fields: str) -> Any:
    _, key = issue_api_token(f"open311-{uuid.uuid4().hex[:6]}", user=world.operator)
    data = {
        "api_key": key,
        "jurisdiction_id": world.municipality.oktmo,
        "service_code": str(world.topic_pits.pk),
        "lat": "55.751",
        "long": "37.618",
        **fields,
    }
    return Client().post(
        "/open311/v2/requests.json",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )


@pytest.mark.parametrize("name", [*sorted(XSS), "rtl", "emoji", "hyperlink"])
def test_open311_text_is_inert_in_json_xml_and_pages(world: World, name: str) -> None:
    payload = TEXTS[name]

    response = open311(
        world,
        description=f"Яма. {payload}",
        address_string=payload,
        first_name=payload,
        email="a@example.ru",
    )

    assert response.status_code in (200, 201), response.content
    [receipt] = response.json()
    case = Case.objects.get()
    assert case.text == f"Яма. {payload}"
    listing = Client().get(
        "/open311/v2/requests.xml", {"jurisdiction_id": world.municipality.oktmo}
    )
    assert listing.status_code == 200
    assert b"<script" not in listing.content and b"<img" not in listing.content
    one = Client().get(
        f"/open311/v2/requests/{receipt['service_request_id']}.json",
        {"jurisdiction_id": world.municipality.oktmo},
    )
    assert one.status_code == 200 and one["Content-Type"].startswith("application/json")
    assert_pages_safe(staff(world.operator), staff_pages(case))


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("description", HUGE_TEXT, "description: не длиннее 50000 символов."),
        ("first_name", HUGE_LINE, "first_name: не длиннее 140 символов."),
    ],
)
def test_open311_refuses_oversize_fields_with_a_400(
    world: World, field: str, value: str, reason: str
) -> None:
    response = open311(world, **({"description": "Яма во дворе."} | {field: value}))

    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": reason}]
    assert Case.objects.count() == 0


def test_events_on_the_timeline_are_escaped_too(world: World) -> None:
    client = api(world.operator)
    created = client.post(
        "/api/v1/cases",
        data=json.dumps({"channel": "api", "regime": "message", "text": "Яма во дворе."}),
        content_type="application/json",
    )
    case_id = created.json()["id"]

    for payload in XSS.values():
        comment = client.post(
            f"/api/v1/cases/{case_id}/comments",
            data=json.dumps({"text": payload}),
            content_type="application/json",
        )
        assert comment.status_code == 201

    assert Event.objects.filter(case_id=case_id, comment__in=list(XSS.values())).count() == len(XSS)
    page = staff(world.operator).get(f"/cases/{case_id}/")
    assert_safe_html(page.content.decode())
    for payload in XSS.values():
        assert escape(payload) in page.content.decode()


@pytest.mark.parametrize("name", sorted(XSS))
def test_problems_road_maps_and_answers_keep_hostile_text_inert(world: World, name: str) -> None:
    payload = XSS[name]
    cases = [
        make_case(world.municipality, text=f"Яма. {payload}", external_id=f"p{n}") for n in range(2)
    ]
    problem = create_problem(
        world.municipality,
        title=payload,
        cases=cases,
        by=world.operator,
        now=NOW,
        place=payload,
        cause=payload,
    )
    roadmap = create_roadmap(
        world.municipality,
        RoadmapData(
            title=payload,
            started_on=date(2026, 8, 1),
            problem=problem,
            expected_effect=payload,
            status=Roadmap.Status.ACTIVE,
            is_public=True,
        ),
        by=world.operator,
        now=NOW,
    )
    add_action(
        roadmap,
        ActionData(title=payload, due_on=date(2026, 12, 15), note=payload),
        by=world.operator,
        now=NOW,
    )
    case = assign_case(cases[0], world.housing, by=world.operator, now=NOW)
    case = change_status(case, Status.IN_WORK, by=world.housing_executor, now=NOW)
    answer = draft_answer(case, f"Ответ. {payload}", by=world.housing_executor, now=NOW)
    client = staff(world.operator)

    assert_pages_safe(
        client,
        [
            "/problems/",
            f"/problems/{problem.pk}/",
            "/problems/roadmaps/",
            f"/problems/roadmaps/{roadmap.pk}/",
            f"/cases/{case.pk}/",
            f"/feedback/answers/{answer.pk}/check/",
        ],
    )
    public = Client().get(f"/public/roadmaps/{roadmap.public_key}/")
    assert public.status_code == 200
    assert_safe_html(public.content.decode())
    assert escape(payload) in public.content.decode()
    assert_safe_html(Client().get(status_url(case)).content.decode())


@pytest.mark.parametrize("name", [RTL_NAME + ".jpg", 'a"b\r\nX-Evil: 1.jpg', XSS["img_onerror"]])
def test_a_photo_with_a_hostile_name_is_renamed_and_served_as_a_download(
    world: World, name: str, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    photo = SimpleUploadedFile(name, JPEG, "image/jpeg")

    response = Client().post(
        f"/report/{world.municipality.oktmo}/", public_form(photos=[photo]), follow=True
    )

    assert response.status_code == 200
    [attachment] = Case.objects.get().attachments.all()
    assert attachment.name.endswith(".jpg")
    assert not set(attachment.name) & set('\u202e\r\n"<>/')
    download = staff(world.operator).get(
        f"/cases/{attachment.case_id}/attachments/{attachment.pk}/"
    )
    assert download["Content-Disposition"].startswith("attachment; filename")
    assert not set(download["Content-Disposition"]) & set("\u202e\r\n<>")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/octet-stream"
    page = staff(world.operator).get(f"/cases/{attachment.case_id}/")
    assert_safe_html(page.content.decode())
