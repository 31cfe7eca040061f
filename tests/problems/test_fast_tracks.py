"""Fast-track mechanisms: the rule goes first and its cases join the problem with the target as
their promise; the effect is measured against the same kind of cases before; only those who
configure the municipality set one up, and a bad request gets a 4xx with a reason."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from tests.personas import NOW, World, make_case
from veche.cases.errors import ErrorCode
from veche.cases.models import Case, Event
from veche.cases.services import CaseDraft, CitizenData, Step, record_cases
from veche.cases.workflow import Regime, Status
from veche.catalog.models import AnswerTemplate, Channel, RoutingRule, Topic
from veche.catalog.services import RuleData, create_routing_rule
from veche.deadlines.calendar_store import calendar_for
from veche.deadlines.clocks import due_at
from veche.deadlines.models import Clock
from veche.org.models import Territory
from veche.problems.fast_track_effect import (
    Timing,
    Window,
    fast_track_effect,
    quantile,
    same_kind_cases,
    summarise,
    windows,
)
from veche.problems.fast_tracks import (
    FastTrackError,
    create_fast_track,
    stop_fast_track,
    update_fast_track,
)
from veche.problems.models import FastTrack, Problem, ProblemCase
from veche.problems.services import create_problem, move_case

POTHOLE = "Во дворе дома 12 по улице Мира огромная яма, машины бьют подвеску."
PLAYGROUND = "Прошу разобраться, кто отвечает за содержание территории у нашего дома."
TEMPLATE = "По обращению {номер} от {дата}: яма будет засыпана в течение пяти дней."


def _problem(world: World, *, named: bool = True, cases: list[Case] | None = None) -> Problem:
    problem = create_problem(
        world.municipality,
        title="Ямы во дворах",
        cases=cases or [],
        by=world.head,
        now=NOW - timedelta(days=70),
        topic=world.topic_pits,
    )
    if not named:
        Problem.objects.filter(pk=problem.pk).update(named_at=None, named_by=None)
        problem.refresh_from_db()
    return problem


def _fast_track(world: World, problem: Problem, **overrides: Any) -> FastTrack:
    settings: dict[str, Any] = {
        "name": "Ямы во дворах: сразу в ЖКХ",
        "department": world.housing,
        "target_days": 5,
        "keywords": "яма, выбоина",
        "template_text": TEMPLATE,
        "by": world.head,
        "now": NOW - timedelta(days=1),
    }
    settings.update(overrides)
    return create_fast_track(problem, **settings)


@pytest.fixture
def roads_rule(world: World) -> RoutingRule:
    """The municipality's own rule for potholes, first until a mechanism comes."""
    return create_routing_rule(
        world.municipality,
        RuleData(department=world.roads, name="Ямы — дорожникам", keywords="яма"),
        by=None,
    )


# --- the mechanism and the pipeline -----------------------------------------------------------


def test_the_mechanism_rule_goes_first_and_its_cases_join_the_problem_with_the_target(
    world: World, roads_rule: RoutingRule, django_capture_on_commit_callbacks: Any
) -> None:
    problem = _problem(world)
    track = _fast_track(world, problem)

    assert track.rule is not None
    rules = list(RoutingRule.objects.filter(municipality=world.municipality).order_by("position"))
    assert [(r.pk, r.position) for r in rules] == [(track.rule.pk, 1), (roads_rule.pk, 2)]
    assert (track.rule.department, track.rule.keywords) == (world.housing, "яма, выбоина")
    assert track.rule.topic is None and track.rule.is_active
    template = AnswerTemplate.objects.get()
    assert track.answer_template == template
    assert (template.topic, template.municipality, template.text) == (
        world.topic_pits,
        world.municipality,
        TEMPLATE,
    )

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, text=POTHOLE)
        other = make_case(world.municipality, text=PLAYGROUND)

    case = Case.objects.select_related("analysis").get(pk=case.pk)
    assert case.department == world.housing and case.status == Status.ASSIGNED
    assert case.analysis.routing_rule == track.rule
    link = ProblemCase.objects.get(case=case)
    assert (link.problem, link.reason, link.added_by) == (problem, "fast_track", None)
    joined = Event.objects.get(case=case, kind=Event.Kind.PROBLEM)
    assert joined.actor is None and "Ямы во дворах: сразу в ЖКХ" in joined.comment
    problem.refresh_from_db()
    assert problem.case_count == 1
    # The target is the answer clock's promise: the end of 28.11 in Moscow (received 23.11,
    # 5 days); the legal due date stays what the policy gives.
    clock = Clock.objects.get(case=case, kind="answer")
    assert clock.promised_at == datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
    legal = due_at(calendar_for(world.municipality), clock.policy.term, clock.started_at)
    assert clock.due_at == legal and clock.due_at > clock.promised_at
    assert not ProblemCase.objects.filter(case=other).exists()
    assert Case.objects.get(pk=other.pk).department is None


def test_a_stopped_mechanism_routes_nothing_and_joins_nothing(
    world: World, roads_rule: RoutingRule, django_capture_on_commit_callbacks: Any
) -> None:
    track = _fast_track(world, _problem(world))

    stopped = stop_fast_track(track, by=world.head, now=NOW - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, text=POTHOLE)

    assert stopped.stopped_at == NOW - timedelta(hours=1)
    assert track.rule is not None
    track.rule.refresh_from_db()
    assert not track.rule.is_active and track.rule.position == 1
    assert Case.objects.get(pk=case.pk).department == world.roads  # the next rule
    assert not ProblemCase.objects.filter(case=case).exists()
    with pytest.raises(FastTrackError, match="уже остановлен"):
        stop_fast_track(stopped, by=world.head, now=NOW)


def test_a_case_an_officer_routed_first_stays_out_of_the_problem(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _fast_track(world, _problem(world))

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.municipality, text=POTHOLE, department=world.roads)

    assert Case.objects.get(pk=case.pk).department == world.roads
    assert not ProblemCase.objects.filter(case=case).exists()
    assert not Clock.objects.filter(case=case, promised_at__isnull=False).exists()


def test_changing_a_mechanism_keeps_its_rule_first_and_adds_a_template(
    world: World, roads_rule: RoutingRule
) -> None:
    track = _fast_track(world, _problem(world), template_text="")
    assert track.answer_template is None

    changed = update_fast_track(
        track,
        name="Ямы: дорожникам быстро",
        department=world.roads,
        target_days=7,
        keywords="выбоина",
        topic=world.topic_pits,
        template_text=TEMPLATE,
        by=world.head,
        now=NOW,
    )

    assert changed.rule is not None
    rule = RoutingRule.objects.get(pk=changed.rule.pk)
    assert (rule.position, rule.department, rule.keywords, rule.topic) == (
        1,
        world.roads,
        "выбоина",
        world.topic_pits,
    )
    assert rule.name == "Ускоренное решение: Ямы: дорожникам быстро"
    assert (changed.target_days, changed.department) == (7, world.roads)
    assert changed.answer_template is not None and changed.answer_template.text == TEMPLATE


# --- refusals -------------------------------------------------------------------------------


def test_only_those_who_configure_the_municipality_create_a_mechanism(world: World) -> None:
    problem = _problem(world)

    with pytest.raises(FastTrackError) as refused:
        _fast_track(world, problem, by=world.operator)  # dispatches, does not configure

    assert refused.value.code == ErrorCode.FORBIDDEN
    assert not RoutingRule.objects.exists() and not FastTrack.objects.exists()
    assert not AnswerTemplate.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target_days": 30}, "target_days", "Целевой срок"),
        ({"target_days": 0}, "target_days", "Целевой срок"),
        ({"name": "   "}, "name", "название"),
        ({"keywords": ""}, "__all__", "хотя бы одно условие"),
        ({"keywords": "!!!"}, "keywords", "нет ни одного слова"),
        ({"template": "existing"}, "template_text", "не то и другое"),
    ],
)
def test_bad_settings_are_refused_before_anything_is_written(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    problem = _problem(world)
    if overrides.get("template") == "existing":
        overrides["template"] = AnswerTemplate.objects.create(name="Готовый", text="Текст")

    with pytest.raises(FastTrackError) as refused:
        _fast_track(world, problem, **overrides)

    assert refused.value.code == ErrorCode.INVALID
    assert message in refused.value.fields[field]
    assert not RoutingRule.objects.exists() and not FastTrack.objects.exists()


def test_a_mechanism_needs_a_named_problem_and_its_template_a_topic(world: World) -> None:
    with pytest.raises(FastTrackError, match="названной проблемы"):
        _fast_track(world, _problem(world, named=False))
    problem = _problem(world)
    Problem.objects.filter(pk=problem.pk).update(topic=None)
    problem.refresh_from_db()

    with pytest.raises(FastTrackError, match="Шаблону нужна тема"):
        _fast_track(world, problem)

    assert not RoutingRule.objects.exists()


# --- the effect -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """A case of the history: received `ago` days before NOW, answered `days` later (None:
    not yet), on a topic; rejected ones are spam."""

    ago: int
    days: int | None
    topic: Topic
    rejected: bool = False


def _history(world: World, stories: list[Story], prefix: str) -> list[Case]:
    channel = Channel.objects.get(code="pos")
    texts = [
        "Глубокая выбоина на проезде к гаражам, не проехать",
        "Во дворе после дождя провал асфальта у подъезда",
        "На въезде во двор разбит асфальт, лужа на полдороги",
        "Засыпьте наконец ямы у детского сада, дети падают",
        "Разбитый проезд вдоль школы, ямы глубиной по колено",
        "Дворовая территория вся в ямах, машины скребут днищем",
        "Ямочный ремонт во дворе не делали пять лет",
        "Нет отопления в квартире третий день, батареи холодные",
        "Провалился люк у подъезда, нужна срочная замена",
    ]
    items: list[tuple[CaseDraft, list[Step]]] = []
    for n, story in enumerate(stories):
        received = NOW - timedelta(days=story.ago)
        draft = CaseDraft(
            channel,
            Regime.MESSAGE,
            f"{texts[n % len(texts)]} ({prefix}{n})",
            received,
            external_id=f"{prefix}{n}",
            author=CitizenData(full_name=f"Заявитель {prefix}{n}"),
            topic_id=story.topic.pk,
        )
        items.append((draft, _steps(world, received, story)))
    result = record_cases(world.municipality, items, by=None)
    return list(Case.objects.filter(pk__in=result.case_ids).order_by("received_at"))


def _steps(world: World, received: datetime, story: Story) -> list[Step]:
    hour = timedelta(hours=1)
    if story.rejected:
        return [Step(received + hour, status=Status.REJECTED, comment="Спам")]
    steps = [
        Step(received + hour, status=Status.REGISTERED),
        Step(received + hour, department_id=world.housing.pk),
        Step(received + hour, status=Status.ASSIGNED),
        Step(received + 2 * hour, status=Status.IN_WORK),
    ]
    if story.days is None:
        return steps
    answered = received + timedelta(days=story.days)
    return [
        *steps,
        Step(answered - 2 * hour, status=Status.ANSWER_DRAFTED),
        Step(answered - hour, status=Status.ANSWER_APPROVED),
        Step(answered, status=Status.ANSWERED, answer_text="Яма засыпана."),
    ]


def test_the_effect_counts_the_cases_before_and_after_with_known_answer_times(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    pits, heating = world.topic_pits, world.topic_heating
    with django_capture_on_commit_callbacks(execute=True):
        before = _history(
            world,
            [
                Story(59, 10, pits),  # the three in the problem
                Story(58, 12, pits),
                Story(57, 14, pits),
                Story(56, 16, pits),  # the rule's topic, not in the problem
                Story(55, 18, pits),
                Story(54, 40, pits),  # answered after the horizon (30 days ago): not yet
                Story(53, 1, heating),  # another kind
                Story(61, 1, pits),  # before the window
                Story(52, 1, pits, rejected=True),  # spam: no answer expected
            ],
            "b",
        )
    problem = _problem(world, cases=before[1:4])  # received 59, 58, 57 days ago
    track = _fast_track(
        world,
        problem,
        keywords="",
        topic=pits,
        target_days=10,
        template_text="",
        now=NOW - timedelta(days=30),
    )
    with django_capture_on_commit_callbacks(execute=True):
        after = _history(
            world,
            [
                Story(29, 3, pits),
                Story(28, 4, pits),
                Story(27, 5, pits),
                Story(26, 6, pits),
                Story(25, 7, pits),
                Story(24, None, pits),  # still in work
                Story(22, 1, heating),  # another kind, not handled
                Story(20, 2, heating),  # another kind, but put into the problem below
            ],
            "a",
        )
    move_case(after[-1], problem, by=world.head, now=NOW)

    effect = fast_track_effect(track, now=NOW)

    b, a = effect.before, effect.after
    assert (b.window.start, b.window.end, b.window.horizon) == (
        NOW - timedelta(days=60),
        NOW - timedelta(days=30),
        NOW - timedelta(days=30),
    )
    assert (b.cases, b.answered, b.median_days) == (6, 5, 14.0)
    assert b.p90_days == pytest.approx(17.2)
    assert (b.target_met, b.target_decided) == (1, 6)
    assert (a.cases, a.answered, a.median_days) == (7, 6, 4.5)
    assert a.p90_days == pytest.approx(6.5)
    assert (a.target_met, a.target_decided) == (6, 7)
    assert (a.legal_met, a.legal_decided) == (6, 7)
    assert effect.enough and effect.speedup == pytest.approx(14 / 4.5)


def test_before_the_start_the_same_kind_is_what_the_rule_describes(world: World) -> None:
    north = Territory.objects.create(
        municipality=world.municipality, kind="district", name="Северный"
    )
    street = Territory.objects.create(
        municipality=world.municipality, parent=north, kind="neighbourhood", name="Лесная"
    )
    south = Territory.objects.create(municipality=world.municipality, kind="district", name="Южный")
    track = _fast_track(
        world, _problem(world), keywords="выбоина, разбитый асфальт", territory=north, now=NOW
    )
    channel = Channel.objects.get(code="pos")
    texts = {
        "in the part of the district, one keyword in another form": ("Две выбоины у дома", street),
        "every word of the other keyword": ("Асфальт во дворе совсем разбитый", north),
        "another district": ("Выбоина на въезде", south),
        "no keyword": ("Во дворе темно, нет фонарей", north),
    }
    drafts: list[tuple[CaseDraft, list[Step]]] = [
        (
            CaseDraft(
                channel,
                Regime.MESSAGE,
                text,
                NOW - timedelta(days=3),
                external_id=f"k{n}",
                territory_id=territory.pk,
            ),
            [],
        )
        for n, (text, territory) in enumerate(texts.values())
    ]
    record_cases(world.municipality, drafts, by=None)
    _, before = windows(track, now=NOW + timedelta(days=5))

    found = set(same_kind_cases(track, before).values_list("text", flat=True))

    assert found == {"Две выбоины у дома", "Асфальт во дворе совсем разбитый"}


def test_fewer_than_five_answers_a_side_claims_no_speed_up() -> None:
    window = Window(NOW - timedelta(days=10), NOW, NOW)
    end = NOW + timedelta(days=30)
    answered = [
        Timing(n, NOW - timedelta(days=10), NOW - timedelta(days=10 - n), end, None)
        for n in range(1, 5)
    ]
    side = summarise(answered, window)

    assert (side.cases, side.answered, side.median_days, side.enough) == (4, 4, 2.5, False)
    assert (side.target_met, side.target_decided, side.legal_decided) == (4, 4, 0)
    assert quantile([], 0.5) is None and quantile([3.0], 0.9) == 3.0
    # Not answered, its target not over at the horizon: not decided either way.
    open_case = Timing(9, NOW - timedelta(days=1), None, end, NOW + timedelta(days=5))
    assert (
        summarise([open_case], window).target_decided,
        summarise([open_case], window).legal_decided,
    ) == (0, 0)


# --- pages ----------------------------------------------------------------------------------


def test_the_head_creates_a_mechanism_from_a_problem_page_link(
    world: World, roads_rule: RoutingRule
) -> None:
    problem = _problem(world)
    client = Client()
    client.force_login(world.head)

    form = client.get(f"/problems/fast-tracks/new/?problem={problem.pk}")
    assert form.status_code == 200
    assert "Ямы во дворах" in form.content.decode()
    reply = client.post(
        "/problems/fast-tracks/new/",
        {
            "problem": problem.pk,
            "name": "Ямы: сразу в ЖКХ",
            "department": world.housing.pk,
            "target_days": "5",
            "topic": world.topic_pits.pk,
            "keywords": "яма",
            "template_text": TEMPLATE,
        },
    )

    track = FastTrack.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/problems/fast-tracks/{track.pk}/"
    assert track.rule is not None and track.rule.position == 1
    assert (track.created_by, track.target_days) == (world.head, 5)
    page = client.get(f"/problems/fast-tracks/{track.pk}/").content.decode()
    assert "Ямы: сразу в ЖКХ" in page and "мало данных" in page and "Остановить" in page
    listing = client.get("/problems/fast-tracks/").content.decode()
    assert "Ямы: сразу в ЖКХ" in listing and problem.title in listing

    stopped = client.post(f"/problems/fast-tracks/{track.pk}/stop/")
    assert stopped.status_code == 302
    track.refresh_from_db()
    assert track.stopped_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target_days": "45"}, "меньше либо равно 29"),
        ({"target_days": "пять"}, "Введите целое число"),
        ({"department": "999999"}, "Выберите корректный вариант"),
        ({"keywords": "", "topic": ""}, "хотя бы одно условие"),
        ({"template": "existing"}, "не то и другое"),
    ],
)
def test_a_malformed_form_gets_400_with_the_reason(
    world: World, data: dict[str, str], message: str
) -> None:
    problem = _problem(world)
    if data.get("template") == "existing":
        data["template"] = str(AnswerTemplate.objects.create(name="Готовый", text="Текст").pk)
    client = Client()
    client.force_login(world.head)
    post = {
        "problem": problem.pk,
        "name": "Ямы",
        "department": world.housing.pk,
        "target_days": "5",
        "keywords": "яма",
        "template_text": TEMPLATE,
        **data,
    }

    reply = client.post("/problems/fast-tracks/new/", post)

    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert not FastTrack.objects.exists() and not RoutingRule.objects.exists()


@pytest.mark.parametrize("query", ["", "?problem=", "?problem=abc", "?problem=1%200"])
def test_a_new_mechanism_without_a_problem_is_a_bad_request(world: World, query: str) -> None:
    client = Client()
    client.force_login(world.head)

    reply = client.get(f"/problems/fast-tracks/new/{query}")

    assert reply.status_code == 400
    assert "проблема не указана" in reply.content.decode()


def test_an_unnamed_problem_gets_400_with_the_reason(world: World) -> None:
    problem = _problem(world, named=False)
    client = Client()
    client.force_login(world.head)

    reply = client.get(f"/problems/fast-tracks/new/?problem={problem.pk}")

    assert reply.status_code == 400 and "названной проблемы" in reply.content.decode()


def test_mechanisms_stay_within_their_municipality_and_need_configure_rights(
    world: World,
) -> None:
    problem = _problem(world)
    track = _fast_track(world, problem)
    client = Client()

    client.force_login(world.neighbour_operator)
    assert client.get(f"/problems/fast-tracks/new/?problem={problem.pk}").status_code == 404
    assert client.get(f"/problems/fast-tracks/{track.pk}/").status_code == 404
    assert client.post(f"/problems/fast-tracks/{track.pk}/stop/").status_code == 404
    assert track.name not in client.get("/problems/fast-tracks/").content.decode()

    client.force_login(world.operator)  # sees the municipality, does not configure it
    page = client.get(f"/problems/fast-tracks/{track.pk}/")
    assert page.status_code == 200 and "Остановить" not in page.content.decode()
    assert client.get(f"/problems/fast-tracks/new/?problem={problem.pk}").status_code == 403
    assert client.get(f"/problems/fast-tracks/{track.pk}/edit/").status_code == 403
    assert client.post(f"/problems/fast-tracks/{track.pk}/stop/").status_code == 403
    track.refresh_from_db()
    assert track.stopped_at is None

    client.force_login(world.head)
    edit = client.post(
        f"/problems/fast-tracks/{track.pk}/edit/",
        {
            "name": "Ямы: быстрее",
            "department": world.housing.pk,
            "target_days": "3",
            "keywords": "яма",
        },
    )
    assert edit.status_code == 302
    track.refresh_from_db()
    assert (track.name, track.target_days) == ("Ямы: быстрее", 3)
