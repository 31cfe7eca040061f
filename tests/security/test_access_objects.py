"""Object-level access (issue 9): every object of municipality A, asked for by a user who may
not see it, answers exactly as a missing id does, shows none of its data and changes nothing.

The actors: the anonymous visitor (sent to the login page; 401 in the API), API clients with a
garbage, a forged and a revoked token (401), a signed-in user with no role, the head and the
curator of municipality B (404 in the API; on pages B's head gets 404, B's curator the 403 or
404 a missing id gets too), and, for objects of one department, the executor of another
department of A. Every route comes from `access_table.py`; the positive control (A's head
reaching the same object) proves each request names a real object.

The scene is built once per module inside a transaction that is rolled back at its end; each
test runs in its own savepoint, so a leaking write would not spill into the next test.
"""

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tests.personas import NOW, World, build_world, make_case
from tests.security.access_table import API, PAGES, PUBLIC, Guarded, Listing
from veche.analytics.models import SavedView
from veche.analytics.rollups import update_rollups
from veche.cases.models import Answer, Attachment, Case
from veche.cases.services import CitizenData
from veche.catalog.models import Channel, RoutingRule
from veche.feedback.models import Survey
from veche.feedback.services import token_for
from veche.intake.models import ImportKind, ImportRun, Source
from veche.intake.views.public import status_token
from veche.monitoring.models import Alert, Mention, MonitoredSource, SourceKind
from veche.org.models import ApiClient, Membership, Role, User
from veche.org.services import issue_api_token
from veche.participation.models import Comment, Discussion, Poll, Question
from veche.privacy.models import DestructionAct, LegalHold, RetentionRule
from veche.problems.models import (
    Action,
    ActionDocument,
    FastTrack,
    Instruction,
    Meeting,
    Problem,
    ProblemCase,
    Roadmap,
)
from veche.publishing.models import Network, OfficialPage, PageComment, Post
from veche.reports.models import Report, ReportKind, ReportTemplate

MARK = "Зюзябрик"  # a word only municipality A's objects carry
MISSING = 987_654_321
MISSING_UUID = uuid.UUID("00000000-0000-4000-8000-000000000000")
PDF = b"%PDF-1.4\n% " + MARK.encode() + b"\n%%EOF\n"


@dataclass
class Scene:
    world: World
    objects: dict[str, Any]
    tokens: dict[str, str]  # public tokens and keys of A's objects
    clients: dict[str, Client]  # signed-in page clients by actor
    api_tokens: dict[str, str]  # API tokens by actor


def _file(name: str, body: bytes = PDF) -> ContentFile[bytes]:
    return ContentFile(body, name=name)


def _cases_and_answers(world: World) -> dict[str, Any]:
    # The surname survives masking («Зюзябрик С. И.»), so lists and exports show the marker.
    author = CitizenData(full_name=f"{MARK} Семён Ильич", phone="+7 900 111-22-33")
    case = make_case(
        world.municipality,
        text=f"{MARK}: во дворе дома 7 по ул. Садовой прорвало трубу.",
        department=world.housing,
        author=author,
    )
    other_case = make_case(
        world.municipality, text=f"{MARK}: снова течёт труба.", department=world.housing
    )
    answer = Answer.objects.create(case=case, text=f"{MARK}: трубу заменят.", created_at=NOW)
    attachment = Attachment.objects.create(
        case=case,
        file=_file("act.pdf"),
        name=f"{MARK}.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    return {"case": case, "other_case": other_case, "answer": answer, "attachment": attachment}


def _problems(world: World, case: Case, other_case: Case) -> dict[str, Any]:
    muni = world.municipality
    problem = Problem.objects.create(
        municipality=muni,
        title=f"{MARK}: трубы на Садовой",
        first_at=NOW,
        last_at=NOW,
        created_at=NOW,
        department=world.housing,
        named_at=NOW,
        case_count=2,
    )
    for member in (case, other_case):
        ProblemCase.objects.create(
            problem=problem, case=member, reason=ProblemCase.Reason.SAME_TEXT, added_at=NOW
        )
    other_problem = Problem.objects.create(
        municipality=muni, title=f"{MARK}: второй", first_at=NOW, last_at=NOW, created_at=NOW
    )
    roadmap = Roadmap.objects.create(
        municipality=muni,
        title=f"{MARK}: план замены труб",
        started_on=date(2026, 11, 1),
        created_at=NOW,
        status=Roadmap.Status.ACTIVE,
        problem=problem,
    )
    action = Action.objects.create(
        roadmap=roadmap, title=f"{MARK}: закупка", due_on=date(2026, 12, 1), updated_at=NOW
    )
    document = ActionDocument.objects.create(
        action=action,
        file=_file("contract.pdf"),
        name=f"{MARK}-договор.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_at=NOW,
    )
    meeting = Meeting.objects.create(
        municipality=muni, title=f"{MARK}: планёрка", held_at=NOW, created_at=NOW
    )
    instruction = Instruction.objects.create(
        municipality=muni,
        meeting=meeting,
        text=f"{MARK}: заменить трубу до зимы",
        owner=world.housing_executor,
        department=world.housing,
        controller=world.head,
        due_on=date(2026, 12, 15),
        created_at=NOW,
    )
    fast_track = FastTrack.objects.create(
        municipality=muni,
        problem=problem,
        name=f"{MARK}: быстрый путь",
        department=world.housing,
        target_days=3,
        started_at=NOW,
    )
    return {
        "problem": problem,
        "other_problem": other_problem,
        "roadmap": roadmap,
        "action": action,
        "document": document,
        "meeting": meeting,
        "instruction": instruction,
        "fast_track": fast_track,
    }


def _participation(world: World) -> dict[str, Any]:
    muni = world.municipality
    poll = Poll.objects.create(
        municipality=muni,
        title=f"{MARK}: что чинить первым",
        confirmation=Poll.Confirmation.EMAIL,
        created_at=NOW,
    )
    question = Question.objects.create(poll=poll, text=f"{MARK}: вопрос", kind=Question.Kind.SINGLE)
    discussion = Discussion.objects.create(
        municipality=muni,
        title=f"{MARK}: правила благоустройства",
        document=f"{MARK}: текст проекта",
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=3650),
        created_at=NOW,
    )
    comment = Comment.objects.create(
        discussion=discussion, author_name=f"{MARK} Житель", text=f"{MARK}: против", created_at=NOW
    )
    return {"poll": poll, "question": question, "discussion": discussion, "comment": comment}


def _channels_and_monitoring(world: World) -> dict[str, Any]:
    muni = world.municipality
    page = OfficialPage.objects.create(
        municipality=muni,
        network=Network.VK,
        name=f"{MARK}: паблик",
        remote_id="220000777",
        token_env="PUB_VK_TOKEN",
        api_url="http://127.0.0.1:9/",
        owner=world.operator,
    )
    post = Post.objects.create(page=page, text=f"{MARK}: отключение воды", scheduled_at=NOW)
    page_comment = PageComment.objects.create(
        page=page, post=post, remote_id="c1", author=f"{MARK} В.", text=f"{MARK}?", posted_at=NOW
    )
    monitored = MonitoredSource.objects.create(
        municipality=muni,
        kind=SourceKind.RSS,
        name=f"{MARK}: новости",
        address="http://127.0.0.1:9/feed",
        is_active=False,
    )
    mention = Mention.objects.create(
        municipality=muni,
        source=monitored,
        external_id="m1",
        text=f"{MARK}: опять нет воды",
        published_at=NOW,
        found_at=NOW,
        snapshot_at=NOW,
        content_hash="0" * 16,
    )
    alert = Alert.objects.create(
        municipality=muni,
        kind=Alert.Kind.SPIKE,
        level=Alert.Level.WARNING,
        subject=f"{MARK}: всплеск",
        summary=f"{MARK}: много сообщений",
        created_at=NOW,
    )
    return {
        "page": page,
        "post": post,
        "page_comment": page_comment,
        "monitored_source": monitored,
        "mention": mention,
        "alert": alert,
    }


def _office(world: World, objects: dict[str, Any]) -> dict[str, Any]:
    muni = world.municipality
    report = Report.objects.create(
        municipality=muni,
        kind=ReportKind.QUARTERLY,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        state=Report.State.DONE,
        xlsx=_file("q3.xlsx", b"PK" + MARK.encode()),
        pdf=_file("q3.pdf"),
        created_at=NOW,
    )
    source = Source.objects.create(
        municipality=muni, channel=Channel.objects.get(code="email"), name=f"{MARK}: почта"
    )
    import_run = ImportRun.objects.create(
        municipality=muni,
        kind=ImportKind.POS,
        file=_file("pos.csv", f"text\n{MARK}\n".encode()),
        file_name=f"{MARK}.csv",
        created_at=NOW,
    )
    rule = RoutingRule.objects.create(
        municipality=muni, department=world.housing, name=f"{MARK}: трубы в ЖКХ"
    )
    ReportTemplate.objects.create(
        municipality=muni, kind=ReportKind.QUARTERLY, title=f"{MARK}: отчёт", updated_at=NOW
    )
    saved_view = SavedView.objects.create(user=world.head, name=f"{MARK}: срез", query="period=30")
    case: Any = objects["case"]
    retention_rule = RetentionRule.objects.create(
        municipality=muni, regime="", status="", days=400, changed_at=NOW
    )
    hold = LegalHold.objects.create(case=case, reason=f"{MARK}: суд", placed_at=NOW)
    act = DestructionAct.objects.create(
        municipality=muni,
        number="А-1",
        state=DestructionAct.State.DONE,
        operator=f"{MARK}: администрация",
        information_system="Вече",
        method="удаление записей",
        reason=f"{MARK}: истёк срок",
        responsible_name=f"{MARK} Пётр",
        started_at=NOW,
        finished_at=NOW,
    )
    return {
        "citizen": case.author,
        "retention_rule": retention_rule,
        "hold": hold,
        "act": act,
        "report": report,
        "source": source,
        "import_run": import_run,
        "rule": rule,
        "saved_view": saved_view,
    }


def build_scene() -> Scene:
    world = build_world()
    neighbour_head = User.objects.create_user(username="neighbour_head", password="x")
    Membership.objects.create(user=neighbour_head, role=Role.HEAD, municipality=world.neighbour)
    objects = _cases_and_answers(world)
    objects |= _problems(world, objects["case"], objects["other_case"])
    objects |= _participation(world)
    objects |= _channels_and_monitoring(world)
    objects |= _office(world, objects)
    answer = objects["answer"]
    survey = Survey.objects.create(
        case=objects["case"],
        answer=answer,
        nonce="n0nce",
        asked_via="email",
        created_at=NOW,
        expires_at=NOW + timedelta(days=3650),
    )
    # B's own objects, for requests that name A's objects in their body.
    objects["neighbour_case"] = make_case(
        world.neighbour, text="Соседи: течёт кран.", department=world.neighbour_housing
    )
    objects["neighbour_problem"] = Problem.objects.create(
        municipality=world.neighbour, title="Краны", first_at=NOW, last_at=NOW, created_at=NOW
    )
    update_rollups()  # the analytics drill-downs list cases from their facts
    users = {
        "nobody": world.nobody,
        "neighbour_head": neighbour_head,
        "neighbour_operator": world.neighbour_operator,
        "roads_executor": world.roads_executor,
        "head": world.head,
    }
    clients = {}
    api_tokens = {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        clients[name] = client
        api_tokens[name] = issue_api_token(f"access-{name}", user=user)[1]
    _, revoked = issue_api_token("access-revoked", user=world.head)
    ApiClient.objects.filter(name="access-revoked").update(is_active=False)
    api_tokens["revoked"] = revoked
    tokens = {
        "survey_token": token_for(survey),
        "status_token": status_token(objects["case"]),
        "roadmap_key": str(objects["roadmap"].public_key),
        "poll_key": str(objects["poll"].public_key),
        "discussion_key": str(objects["discussion"].public_key),
    }
    return Scene(world, objects, tokens, clients, api_tokens)


@pytest.fixture(scope="module")
def scene(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    media = tmp_path_factory.mktemp("access-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast),
    ):
        outer = transaction.atomic()
        # Like Django's TestCase class-wide block: services' durable blocks may nest in it.
        outer._from_testcase = True  # type: ignore[attr-defined]
        outer.__enter__()
        try:
            yield build_scene()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- how a request is made and compared ------------------------------------------------------

PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def _fill(pattern: str, ids: Mapping[str, str], scene: Scene | None) -> str:
    """The URL of `pattern` with the scene's objects, or with missing ids when scene is None."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return str(MISSING if scene is None else scene.objects[ids[name]].pk)

    return "/" + PLACEHOLDER.sub(value, pattern).lstrip("/")


def _resolve_data(data: Mapping[str, Any], scene: Scene) -> dict[str, Any]:
    """Replace «@name» with the id of the scene's object or the world's attribute."""

    def one(value: Any) -> Any:
        if isinstance(value, list):
            return [one(v) for v in value]
        if isinstance(value, str) and value.startswith("@"):
            name = value[1:]
            target = scene.objects.get(name) or getattr(scene.world, name)
            return target.pk
        return value

    return {key: one(value) for key, value in data.items()}


def _page(
    client: Client, method: str, url: str, data: Mapping[str, Any], *, htmx: bool = False
) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, data=dict(data), headers=headers)


def _api(method: str, url: str, token: str | None, data: Mapping[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    client = Client()
    if method == "GET":
        return client.get(url, headers=headers)
    return client.generic(
        method, url, data=_json(data), content_type="application/json", headers=headers
    )


def _json(data: Mapping[str, Any]) -> str:
    return json.dumps(dict(data))


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return str(response.content.decode("utf-8", "replace"))


def _traces(scene: Scene, body: str) -> list[str]:
    """What of A's shows in a response: the marker word or a registration number of A's cases
    (B numbers its cases with its own prefix, so A's number means A's case)."""
    numbers = [scene.objects[k].number for k in ("case", "other_case")]
    return [trace for trace in (MARK, *numbers) if trace in body]


def _numbers_hidden(error: dict[str, Any]) -> dict[str, Any]:
    return {key: re.sub(r"\d+", "#", str(value)) for key, value in error.items()}


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every Veche table (the scene is small), but the API clients' last use."""
    rows = {}
    for model in apps.get_models():
        if not model.__module__.startswith("veche.") or model is ApiClient:
            continue
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
    return rows


def _same_as_missing(existing: Any, missing: Any, where: str) -> None:
    assert existing.status_code == missing.status_code, where
    if existing.status_code in (301, 302):
        assert existing["Location"].split("?")[0] == missing["Location"].split("?")[0], where
    for body in (_body(existing), _body(missing)):
        assert MARK not in body, where


def _refused_page(existing: Any, missing: Any, where: str) -> None:
    _same_as_missing(existing, missing, where)
    assert existing.status_code in (403, 404, 405), where


def _to_login(response: Any, where: str) -> None:
    if response.status_code == 405:
        return  # refused by method before anything else: says nothing about the object
    assert response.status_code == 302, where
    assert response["Location"].startswith(reverse("web:login")), where


GUARDED_PAGES = sorted(k for k, v in PAGES.items() if isinstance(v, Guarded))
GUARDED_API = sorted(k for k, v in API.items() if isinstance(v, Guarded))
LISTED_PAGES = sorted(k for k, v in PAGES.items() if isinstance(v, Listing))
LISTED_API = sorted(k for k, v in API.items() if isinstance(v, Listing))


def _outsiders(spec: Guarded) -> list[str]:
    outsiders = ["nobody", "neighbour_head", "neighbour_operator"]
    return [*outsiders, "roads_executor"] if spec.department else outsiders


@pytest.mark.parametrize("route", GUARDED_PAGES)
def test_page_object_is_refused_like_a_missing_one(route: str, scene: Scene, db: None) -> None:
    spec = PAGES[route]
    assert isinstance(spec, Guarded)
    url = _fill(route, spec.ids, scene)
    missing_url = _fill(route, spec.ids, None)
    data = _resolve_data(spec.data or {}, scene)
    before = _snapshot()
    for method in spec.methods:
        anonymous = Client()
        for response in (
            _page(anonymous, method, url, data),
            _page(anonymous, method, missing_url, data),
        ):
            _to_login(response, f"anonymous {method} {url}")
        for actor in _outsiders(spec):
            client = scene.clients[actor]
            where = f"{actor} {method} {url}"
            existing = _page(client, method, url, data)
            _refused_page(existing, _page(client, method, missing_url, data), where)
            # B's head holds every right in B, so only «not found» is left for A's object;
            # B's curator may get a 403 that any id gets (a page for rights the role lacks).
            if actor == "neighbour_head":
                assert existing.status_code in (404, 405), where
        # The htmx swap of the same URL renders a fragment: refused the same way.
        htmx = scene.clients["neighbour_head"]
        swapped = _page(htmx, method, url, data, htmx=True)
        _refused_page(swapped, _page(htmx, method, missing_url, data, htmx=True), f"htmx {url}")
    assert _snapshot() == before
    _allowed_page_control(route, spec, url, data, scene, before)


def _allowed_page_control(
    route: str,
    spec: Guarded,
    url: str,
    data: Mapping[str, Any],
    scene: Scene,
    before: dict[str, list[tuple[Any, ...]]],
) -> None:
    """A's head reaches the same object: the refusals above are about the actor, not the id."""
    head = scene.clients["head"]
    if "GET" in spec.methods:
        response = head.get(url)
        assert response.status_code == 200, f"head GET {url}"
        if spec.shows:
            assert MARK in _body(response), f"head GET {url}"
    if spec.data is not None:
        response = head.post(url, data=dict(data))
        assert response.status_code < 400, f"head POST {url}"
        assert _snapshot() != before, f"head POST {url} changed nothing"


API_ANONYMOUS = {
    "no token": None,
    "garbage": "garbage",
    "forged": "vch_" + "A" * 43,
}


@pytest.mark.parametrize("operation", GUARDED_API)
def test_api_object_is_refused_like_a_missing_one(operation: str, scene: Scene, db: None) -> None:
    spec = API[operation]
    assert isinstance(spec, Guarded)
    method, path = operation.split(" ", 1)
    url = _fill(path, spec.ids, scene)
    missing_url = _fill(path, spec.ids, None)
    data = _resolve_data(spec.data or {}, scene)
    before = _snapshot()
    tokens = {**API_ANONYMOUS, "revoked": scene.api_tokens["revoked"]}
    for name, token in tokens.items():
        for response in (_api(method, url, token, data), _api(method, missing_url, token, data)):
            assert response.status_code == 401, f"{name} {operation}"
            assert response.json()["code"] == "unauthorized"
            assert MARK not in _body(response)
    for actor in _outsiders(spec):
        token = scene.api_tokens[actor]
        existing = _api(method, url, token, data)
        missing = _api(method, missing_url, token, data)
        where = f"{actor} {operation}"
        _same_as_missing(existing, missing, where)
        assert existing.status_code in (403, 404), where
        if actor.startswith("neighbour"):  # another municipality: «not found», never 403
            assert existing.status_code == 404, where
        # The same error, word for word but the id asked for, which the message may echo.
        assert _numbers_hidden(existing.json()) == _numbers_hidden(missing.json()), where
    assert _snapshot() == before
    response = _api(method, url, scene.api_tokens["head"], data)
    assert response.status_code < 300, f"head {operation}: {_body(response)}"
    if method == "GET" and spec.shows:
        assert MARK in _body(response)
    if method != "GET":
        assert _snapshot() != before, f"head {operation} changed nothing"


@pytest.mark.parametrize("route", LISTED_PAGES)
def test_list_page_shows_nothing_of_another_municipality(
    route: str, scene: Scene, db: None
) -> None:
    spec = PAGES[route]
    assert isinstance(spec, Listing)
    url = spec.url or "/" + route
    _to_login(Client().get(url), f"anonymous GET {url}")
    world = scene.world
    # Asking for A by its ids in the query string changes nothing either.
    foreign = {
        "municipality": world.municipality.pk,
        "department": world.housing.pk,
        "block": world.city_block.pk,
    }
    for actor in ("nobody", "neighbour_head", "neighbour_operator"):
        for query in ({}, foreign):
            asked = url + ("&" if "?" in url else "?") + urlencode(query) if query else url
            response = scene.clients[actor].get(asked)
            # 405: a form that only takes POST; 400: a form that needs its parameters.
            assert response.status_code in (200, 400, 403, 404, 405), f"{actor} GET {asked}"
            assert _traces(scene, _body(response)) == [], f"{actor} GET {asked}"
    if spec.shows:
        response = scene.clients["head"].get(url)
        assert response.status_code == 200
        assert _traces(scene, _body(response)) != [], f"head GET {url}"


@pytest.mark.parametrize("operation", LISTED_API)
def test_api_list_shows_nothing_of_another_municipality(
    operation: str, scene: Scene, db: None
) -> None:
    spec = API[operation]
    assert isinstance(spec, Listing)
    path = operation.split(" ", 1)[1]
    for token in (*API_ANONYMOUS.values(), scene.api_tokens["revoked"]):
        assert _api("GET", path, token, {}).status_code == 401
    world = scene.world
    foreign = f"?municipality={world.municipality.pk}&department={world.housing.pk}"
    for actor in ("nobody", "neighbour_head", "neighbour_operator"):
        for query in ("", foreign):
            response = _api("GET", path + query, scene.api_tokens[actor], {})
            assert response.status_code in (200, 403, 404, 422), f"{actor} {operation}"
            assert _traces(scene, _body(response)) == [], f"{actor} {operation}{query}"
    if spec.shows:
        response = _api("GET", path, scene.api_tokens["head"], {})
        assert response.status_code == 200
        assert _traces(scene, _body(response)) != [], f"head {operation}"


@pytest.mark.parametrize("route", sorted(PUBLIC))
def test_public_link_with_a_wrong_token_is_404(route: str, scene: Scene, db: None) -> None:
    spec = PUBLIC[route]
    real = scene.tokens[spec.key]
    wrong = [str(MISSING_UUID)] if "<uuid:" in route else ["nonsense", real[:-2] + "xx"]
    before = _snapshot()
    client = Client()
    for token in wrong:
        for method in ("GET", "POST"):
            url = spec.url.format(token)
            response = client.get(url) if method == "GET" else client.post(url, {})
            assert response.status_code in (404, 405), f"{method} {url}"
            assert MARK not in _body(response)
    assert _snapshot() == before


def test_unpublished_roadmap_is_404_and_published_one_opens(scene: Scene, db: None) -> None:
    """The real key of a road map that is not public says nothing more than a wrong key."""
    roadmap = scene.objects["roadmap"]
    url = f"/public/roadmaps/{scene.tokens['roadmap_key']}/"
    missing = Client().get(f"/public/roadmaps/{MISSING_UUID}/")
    hidden = Client().get(url)
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert MARK not in _body(hidden)
    Roadmap.objects.filter(pk=roadmap.pk).update(is_public=True)
    shown = Client().get(url)
    assert shown.status_code == 200
    assert MARK in _body(shown)


def test_citizen_links_of_a_real_case_open(scene: Scene, db: None) -> None:
    """The positive control of the wrong-token tests: the right tokens do open the pages."""
    status = Client().get(f"/report/status/{scene.tokens['status_token']}/")
    assert status.status_code == 200
    survey = Client().get(f"/feedback/r/{scene.tokens['survey_token']}/")
    assert survey.status_code == 200


def test_event_feed_has_no_foreign_case(scene: Scene, db: None) -> None:
    ours = {scene.objects["case"].pk, scene.objects["other_case"].pk}
    for actor in ("nobody", "neighbour_head", "neighbour_operator"):
        response = _api("GET", "/api/v1/events", scene.api_tokens[actor], {})
        assert response.status_code in (200, 403), actor
        if response.status_code == 200:
            assert {e["case_id"] for e in response.json()} & ours == set(), actor
    feed = _api("GET", "/api/v1/events", scene.api_tokens["head"], {}).json()
    assert {e["case_id"] for e in feed} >= ours


def test_departments_of_b_only(scene: Scene, db: None) -> None:
    response = _api("GET", "/api/v1/departments", scene.api_tokens["neighbour_head"], {})
    assert response.status_code == 200
    names = {d["name"] for d in response.json()}
    assert scene.world.neighbour_housing.name in names
    assert scene.world.housing.name not in names


def test_webhook_without_secret_creates_nothing(scene: Scene, db: None) -> None:
    source = scene.objects["source"]
    before = _snapshot()
    client = Client()
    for body in ("", "{}", '{"text": "' + MARK + '"}', "\x00garbage"):
        response = client.post(
            f"/intake/hooks/{source.pk}/", data=body, content_type="application/json"
        )
        assert 400 <= response.status_code < 500, body
    assert (
        client.post(
            f"/intake/hooks/{MISSING}/", data="{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert _snapshot() == before


def test_admin_turns_away_staff_without_is_staff(scene: Scene, db: None) -> None:
    """The municipality's head is not a Django admin: the admin sends them to its login."""
    anonymous = Client().get("/admin/cases/case/")
    assert anonymous.status_code == 302
    head = scene.clients["head"].get(f"/admin/cases/case/{scene.objects['case'].pk}/change/")
    assert head.status_code == 302
    assert head["Location"].startswith("/admin/login/")


def test_subject_search_by_foreign_number_is_like_a_missing_one(scene: Scene, db: None) -> None:
    """The privacy desk finds a citizen by a case's registration number: B's head typing A's
    number gets what a number that does not exist gets."""
    number = scene.objects["case"].number
    head = scene.clients["head"].get("/privacy/citizens/", {"number": number})
    assert head.status_code == 302
    for actor in ("nobody", "neighbour_head", "neighbour_operator", "roads_executor"):
        client = scene.clients[actor]
        existing = client.get("/privacy/citizens/", {"number": number})
        missing = client.get("/privacy/citizens/", {"number": "НЕТ-000001"})
        _refused_page(existing, missing, actor)


def test_draft_poll_is_404_on_every_public_page_until_opened(scene: Scene, db: None) -> None:
    key = scene.tokens["poll_key"]
    client = Client()
    for spec in PUBLIC.values():
        if spec.key != "poll_key":
            continue
        url = spec.url.format(key)
        answers = [client.get(url), client.post(url, {})]
        # Each page takes GET or POST or both; whatever it takes says «not found».
        assert sorted(r.status_code for r in answers) in ([404, 404], [404, 405]), url
        assert all(MARK not in _body(r) for r in answers)
    Poll.objects.filter(pk=scene.objects["poll"].pk).update(status=Poll.Status.OPEN)
    opened = client.get(f"/public/polls/{key}/")
    assert opened.status_code == 200
    assert MARK in _body(opened)


def test_own_object_with_foreign_ids_in_the_body_changes_nothing(scene: Scene, db: None) -> None:
    """B's head acts on B's own case and problem but names A's objects in the request."""
    objects, world = scene.objects, scene.world
    token = scene.api_tokens["neighbour_head"]
    b_case, b_problem = objects["neighbour_case"].pk, objects["neighbour_problem"].pk
    a_case, a_problem = objects["case"].pk, objects["problem"].pk
    before = _snapshot()
    api_calls = [
        (f"/api/v1/cases/{b_case}/merge", {"case_id": a_case}),
        (f"/api/v1/cases/{b_case}/duplicate", {"case_id": a_case}),
        (f"/api/v1/cases/{b_case}/assign", {"department_id": world.housing.pk}),
        (f"/api/v1/problems/{b_problem}/merge", {"problem_ids": [a_problem]}),
        (f"/api/v1/problems/{b_problem}/split", {"case_ids": [a_case], "title": "Чужое"}),
        (f"/api/v1/problems/{a_problem}/cases/{a_case}/move", {"problem_id": b_problem}),
    ]
    for url, data in api_calls:
        response = _api("POST", url, token, data)
        assert 400 <= response.status_code < 500, url
        assert MARK not in _body(response), url
    client = scene.clients["neighbour_head"]
    number = objects["case"].number
    page_calls = [
        ("/cases/assign/", {"case": [a_case], "department": world.neighbour_housing.pk}),
        (f"/cases/{b_case}/link/", {"link-number": number, "link-how": "merge"}),
        (f"/cases/{b_case}/assign/", {"assign-department": world.housing.pk}),
        ("/problems/candidates/name/", {"case": [a_case], "title": "Чужое"}),
    ]
    for url, data in page_calls:
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400, 403, 404), url
        assert MARK not in _body(response), url
    assert _snapshot() == before
