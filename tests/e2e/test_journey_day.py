"""One working day of the МЦУ, end to end in a real browser, each step by the person who does it
and only through the pages: a citizen reports a pothole on the public form; the operator finds
it among the cases waiting for triage, accepts the suggested topic and department; the roads
executor takes it into work and drafts the answer from a template; the head of the roads
department approves it; the executor records it as sent; the citizen opens the status link he
was given, follows it to the survey and rates the answer; the head of the МЦУ sees the case
counted on the dashboard and drawn on the heat map.

Every page runs under the Content-Security-Policy (no `bypass_csp`, so no `wait_for_function`:
Playwright evaluates it with eval), and any console error, uncaught exception or policy
violation on any page fails the journey. The map tiles point at a port where nothing listens,
as in a closed municipal network; their failed loads are the only errors tolerated.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.intake.test_email import PNG
from tests.personas import PASSWORD, World
from veche.analytics.rollups import update_rollups
from veche.cases.models import Answer, Case, Event
from veche.cases.workflow import Status
from veche.catalog.models import AnswerTemplate, RoutingRule, Topic
from veche.catalog.seed import seed_rubricator
from veche.feedback.models import Survey
from veche.org.models import Membership, Role, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TILES_ORIGIN = "http://127.0.0.1:9"  # nothing listens on the discard port: tiles fail at once
POTHOLE = (
    "Во дворе дома 12 по улице Садовой на проезжей части глубокая яма, "
    "машины бьют колёса, вечером её не видно. Просим заделать."
)
TEMPLATE = (
    "На ваше сообщение {номер} от {дата} по адресу {адрес}: {исполнитель} заделал яму "
    "асфальтобетонной смесью, работы приняты комиссией."
)
ADDITION = " Бригада подрядчика выполнила ремонт 5 декабря, место осмотрено после работ."
SENT_NOTE = "Ответ отправлен на e-mail заявителя"
RATING_COMMENT = "Яму заделали быстро, спасибо!"


@dataclass
class Browsers:
    """A browser window per person, each under the page's Content-Security-Policy, with
    everything the pages print to the console collected."""

    browser: Any
    live_server: Any
    errors: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def open(self, *, phone: bool = False) -> Any:
        size = {"width": 400, "height": 900} if phone else {"width": 1366, "height": 900}
        context = self.browser.new_context(viewport=size, locale="ru-RU")
        context.on("console", self._console)
        context.on("weberror", lambda error: self.errors.append(f"uncaught: {error.error}"))
        self.contexts.append(context)
        return context.new_page()

    def log_in(self, username: str) -> Any:
        page = self.open()
        log_in(page, self.live_server, username)
        return page

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text:
            self.errors.append(f"CSP: {text}")
        elif message.type == "error" and not message.location.get("url", "").startswith(
            TILES_ORIGIN
        ):
            self.errors.append(f"console: {text} ({message.location.get('url')})")


@pytest.fixture
def people(browser: Any, live_server: Any) -> Iterator[Browsers]:
    people = Browsers(browser, live_server)
    yield people
    for context in people.contexts:
        context.close()


def _timeline(page: Any) -> str:
    text: str = page.locator("#case-card .timeline").inner_text()
    return text


def test_a_day_from_the_public_form_to_the_heat_map(
    world: World,
    live_server: Any,
    people: Browsers,
    settings: Any,
    tmp_path: Any,
    seeded_deadline_policies: None,
) -> None:
    # The installation as the МЦУ set it up: the rubricator, a routing rule for potholes
    # (suggested, not applied: this МЦУ checks every routing by hand), an answer template for
    # the topic and the head of the roads department who approves its answers. From here on
    # the test only reads the database, to check what the pages did (and runs the analytics
    # minute job once).
    settings.VECHE_PUBLIC_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MAP_TILE_URL = f"{TILES_ORIGIN}/{{z}}/{{x}}/{{y}}.png"
    seed_rubricator(Topic)
    world.municipality.auto_route = False
    world.municipality.save(update_fields=["auto_route"])
    RoutingRule.objects.create(
        municipality=world.municipality,
        name="Ямы на дорогах",
        keywords="яма, выбоина",
        department=world.roads,
    )
    suggested = Topic.objects.get(name="Ямы и выбоины на дороге", parent__name="Дороги")
    AnswerTemplate.objects.create(
        municipality=world.municipality, topic=suggested, name="Яма заделана", text=TEMPLATE
    )
    roads_head = User.objects.create_user(
        username="roads_head", password=PASSWORD, last_name="Дорожный", first_name="Пётр"
    )
    Membership.objects.create(
        user=roads_head,
        role=Role.DEPARTMENT_HEAD,
        municipality=world.municipality,
        department=world.roads,
    )

    # 1. A citizen on a phone: the public form, a pin on the map, the number and status link.
    citizen = people.open(phone=True)
    citizen.goto(f"{live_server.url}/report/")
    citizen.click(f"text={world.municipality.name}")
    citizen.fill("#id_text", POTHOLE)
    citizen.fill("#id_address", "ул. Садовая, 12")
    citizen.fill("#id_full_name", "Сидоров Алексей")
    citizen.fill("#id_email", "sidorov@example.ru")
    citizen.wait_for_selector("#report-map.leaflet-container")
    citizen.click("#report-map", position={"x": 150, "y": 120})
    assert citizen.input_value("#id_lat") != "" and citizen.input_value("#id_lon") != ""
    citizen.check("#id_consent")
    screenshot(citizen, "journey-01-public-form")
    citizen.wait_for_timeout(3100)  # the form refuses what is sent faster than a person types
    citizen.click("button[type=submit]")
    citizen.wait_for_selector("text=Сообщение принято")
    case = Case.objects.get()
    assert citizen.inner_text(".case-number") == case.number
    status_link = citizen.inner_text("a.status-link")  # the address the citizen keeps
    assert status_link.startswith(f"{live_server.url}/report/status/")
    screenshot(citizen, "journey-02-accepted")
    assert case.status == Status.NEW and case.lat is not None
    assert (case.analysis.topic, case.analysis.department) == (suggested, world.roads)

    # 2. The operator: the cases waiting for triage, the suggestions accepted on the card.
    operator = people.log_in("operator")
    operator.check("#id_needs_review")
    operator.wait_for_url("**needs_review=on**")
    rows = operator.locator("#inbox-results tbody tr:not(.empty)")
    expect(rows).to_have_count(1)
    assert case.number in rows.inner_text() and "не назначен" in rows.inner_text()
    screenshot(operator, "journey-03-triage-inbox")
    operator.click(f"text={case.number}")
    operator.wait_for_url(f"**/cases/{case.pk}/")
    analysis = operator.locator("#case-card .analysis")
    assert "Дороги / Ямы и выбоины на дороге" in analysis.inner_text()
    assert "по правилу «Ямы на дорогах»" in analysis.inner_text()
    screenshot(operator, "journey-04-suggestions")
    analysis.locator("button:has-text('Принять первую тему')").click()
    expect(operator.locator("button:has-text('Принять первую тему')")).to_have_count(0)
    operator.locator("#case-card .analysis button:has-text('Назначить')").click()
    expect(operator.locator("#case-card .card-head .badge")).to_have_text("Назначено")
    facts = operator.locator("#case-card .facts").first.inner_text()
    assert "Дороги / Ямы и выбоины на дороге" in facts and "Комитет по дорогам" in facts
    assert "назначен исполнитель" in _timeline(operator).lower()
    screenshot(operator, "journey-05-assigned")
    case.refresh_from_db()
    assert (case.status, case.topic, case.department) == (Status.ASSIGNED, suggested, world.roads)
    assert case.events.get(kind=Event.Kind.TOPIC_CHANGED).actor == world.operator
    assert case.events.get(kind=Event.Kind.ASSIGNED).actor == world.operator
    operator.goto(f"{live_server.url}/cases/?needs_review=on")
    expect(operator.locator("#inbox-results tbody tr:not(.empty)")).to_have_count(0)

    # 3. The roads executor: into work, the answer drafted from the template.
    executor = people.log_in("roads_executor")
    executor.click(f"text={case.number}")
    executor.wait_for_url(f"**/cases/{case.pk}/")
    executor.click("#case-actions button:has-text('Взять в работу')")
    expect(executor.locator("#case-card .card-head .badge")).to_have_text("В работе")
    executor.set_input_files(
        "#case-card input[type=file][name$=file]",
        {"name": "после ремонта.png", "mimeType": "image/png", "buffer": PNG},
    )
    executor.click("#case-card button:has-text('Приложить')")
    expect(executor.locator("#case-card .attachments")).to_contain_text("после ремонта.png")
    # htmx wires the swapped-in card's forms after it settles; a change before that is lost.
    executor.wait_for_load_state("networkidle")
    expect(executor.locator(".htmx-settling, .htmx-request")).to_have_count(0)
    executor.select_option("#answer-template", label=f"Яма заделана ({suggested.name})")
    draft = executor.locator("#case-actions textarea[name=answer-text]")
    expect(draft).to_have_value(re.compile(f"На ваше сообщение {case.number} от "))
    filled = draft.input_value()
    assert "ул. Садовая, 12" in filled and "Комитет по дорогам заделал яму" in filled
    assert "{" not in filled
    executor.check("#case-actions input[name=answer-kind][value=final]")
    draft.fill(filled + ADDITION)
    screenshot(executor, "journey-06-draft")
    executor.click("#case-actions button:has-text('Сохранить проект')")
    expect(executor.locator("#case-card .card-head .badge")).to_have_text("Проект ответа")
    check = executor.locator(".answer-check")
    expect(check).to_contain_text("Проверка на отписку пройдена")
    assert "✗" not in check.inner_text()
    screenshot(executor, "journey-07-drafted")
    answer = Answer.objects.get(case=case)
    assert answer.text == filled + ADDITION and answer.state == Answer.State.DRAFT
    assert answer.created_by == world.roads_executor

    # 4. The head of the roads department approves; the executor records it as sent.
    head_of_roads = people.log_in("roads_head")
    head_of_roads.goto(f"{live_server.url}/cases/{case.pk}/")
    assert ADDITION.strip() in head_of_roads.locator("#case-card .answers").inner_text()
    head_of_roads.click("#case-actions button:has-text('Согласовать ответ')")
    expect(head_of_roads.locator("#case-card .card-head .badge")).to_have_text("Ответ согласован")
    screenshot(head_of_roads, "journey-08-approved")
    answer.refresh_from_db()
    assert (answer.state, answer.approved_by) == (Answer.State.APPROVED, roads_head)

    executor.reload()
    executor.fill("#case-actions textarea[name=status-comment]", SENT_NOTE)
    executor.click("#case-actions button:has-text('Ответ направлен')")
    expect(executor.locator("#case-card .card-head .badge")).to_have_text("Ответ направлен")
    timeline = _timeline(executor)
    for kind in ("Поступило", "Изменена тема", "Назначен исполнитель", "Проект ответа"):
        assert kind in timeline, kind
    assert "Ответ согласован" in timeline and "Ответ направлен" in timeline
    assert "канал: вручную" in timeline
    assert SENT_NOTE in timeline
    screenshot(executor, "journey-09-sent")
    case.refresh_from_db()
    answer.refresh_from_db()
    assert case.status == Status.ANSWERED and answer.state == Answer.State.SENT
    kinds = list(case.events.values_list("kind", flat=True))
    for kind in (Event.Kind.ANSWER_DRAFTED, Event.Kind.ANSWER_APPROVED, Event.Kind.ANSWER_SENT):
        assert kinds.count(kind) == 1, kind

    # 5. The citizen opens the status link he kept, and rates the answer through it.
    citizen.goto(status_link)
    assert "Ответ направлен" in citizen.inner_text(".status-now")
    assert POTHOLE not in citizen.content()  # the status page shows no text and no name
    screenshot(citizen, "journey-10-status")
    citizen.click("a.rate-link")
    citizen.wait_for_url("**/feedback/r/**")
    assert ADDITION.strip() in citizen.inner_text(".answer-text")
    citizen.check("input[name=rating][value='4']")
    citizen.check("input[name=solved][value=yes]")
    citizen.fill("textarea[name=comment]", RATING_COMMENT)
    screenshot(citizen, "journey-11-survey")
    citizen.click("button[type=submit]")
    citizen.wait_for_selector("h1:has-text('Спасибо за оценку')")
    screenshot(citizen, "journey-12-thanks")
    survey = Survey.objects.get(case=case)
    assert (survey.rating, survey.solved, survey.comment) == (4, True, RATING_COMMENT)
    assert survey.outcome == Survey.Outcome.UNCHANGED
    rated = case.events.get(kind=Event.Kind.RATING)
    assert "4 из 5" in rated.comment and RATING_COMMENT in rated.comment

    # 6. The head of the МЦУ, after the minute job has counted the day: the figures, the map.
    update_rollups()  # what the every-minute task (analytics.tasks) does in production
    head = people.log_in("head")
    head.click("nav >> text=Аналитика")
    head.wait_for_url("**/analytics/**")
    figures = {
        kpi.locator(".kpi-label").inner_text(): kpi.locator(".kpi-value").inner_text()
        for kpi in head.locator("a.kpi").all()
    }
    assert (figures["Поступило"], figures["Дан ответ"]) == ("1", "1")
    for share in ("Ответ в срок", "Удовлетворённость", "Решено"):
        assert figures[share] == "100\xa0%", share
    assert figures["Похоже на отписку"] == "0\xa0%"
    screenshot(head, "journey-13-dashboard")
    head.locator("a.kpi", has_text="Поступило").click()
    head.wait_for_url("**/analytics/cases/**indicator=received**")
    expect(head.locator("table.list tbody tr")).to_have_count(1)
    assert case.number in head.locator("table.list").inner_text()

    head.click("nav >> text=Аналитика")
    head.click("nav.tabs >> text=Карта")
    head.wait_for_url("**/analytics/map/**")
    cells = head.locator("#heatmap path.leaflet-interactive")
    expect(cells).to_have_count(1)
    expect(head.locator("#heatmap-status")).to_have_text("Ячеек: 1, обращений в них: 1.")
    head.wait_for_selector("#heatmap .heatmap-note:has-text('подложка недоступна')")
    assert "Ямы и выбоины на дороге" in head.locator(".topic-territory").inner_text()
    screenshot(head, "journey-14-heatmap")
    cells.first.click(force=True)
    head.locator(".heatmap-popup a").click()
    head.wait_for_url("**/analytics/cases/**cell=**")
    assert case.number in head.locator("table.list").inner_text()

    assert people.errors == [], "\n".join(people.errors)
