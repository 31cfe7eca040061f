"""Hostile text in every download and in the pages of monitoring, participation and
publishing (issue 9): no exported cell is a formula (CSV: a leading apostrophe; XLSX: a cell
of the string type — both through `veche.web.cells`), and pages show the text escaped.

Size policy of the exports: a cell holds at most 32,000 characters (Excel's limit; a longer
text makes Excel «repair» the file), so the case export cuts a 1 MB text there — the page and
the API keep it whole.
"""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from tests.participation.factories import confirmed_voter, open_repair_poll
from tests.personas import NOW, PASSWORD, World, make_case
from tests.security.payloads import (
    FORMULAS,
    HUGE_TEXT,
    TEXTS,
    XSS,
    assert_safe_html,
    formula_cells,
    formula_csv_cells,
    formula_like_texts,
    injected,
    stored,
)
from veche.cases.models import Case
from veche.cases.services import AnalysisData, CitizenData, record_analyses
from veche.monitoring.connectors.base import FetchedPost
from veche.monitoring.models import Mention, MonitoredSource, SourceKind
from veche.monitoring.services import record_post
from veche.org.models import User
from veche.participation.discussions import (
    DiscussionData,
    create_discussion,
    moderate_comment,
    post_comment,
)
from veche.participation.services import close_poll
from veche.participation.voting import cast_ballot, parse_selections
from veche.publishing.models import Network, OfficialPage
from veche.web.cells import csv_text, xlsx_text

CELL_PAYLOADS = [stored(p) for p in TEXTS.values()]


def staff(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


# --- the shared helper and the checks themselves ------------------------------------------------


@pytest.mark.parametrize("text", list(FORMULAS.values()))
def test_the_shared_helper_defuses_every_formula_start(text: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([csv_text(text), xlsx_text(sheet, text)])
    out = io.BytesIO()
    book.save(out)

    assert csv_text(text) == "'" + text
    assert formula_cells(out.getvalue()) == []
    raw = Workbook()
    assert raw.active is not None
    raw.active.append([text])  # what openpyxl does with a bare string
    naive = io.BytesIO()
    raw.save(naive)
    assert formula_cells(naive.getvalue()) == (["Sheet!A1=" + repr(text)] if text[0] == "=" else [])


def test_the_html_check_catches_each_payload_left_raw() -> None:
    for name, payload in XSS.items():
        page = f"<html><body><p>{payload}</p><input value='{payload}'></body></html>"
        if name == "markdown_link":  # markup only once something renders Markdown
            assert injected(f'<a href="{payload[10:-1]}">x</a>') != []
        else:
            assert injected(page) != [], name
    assert formula_csv_cells("a;=1+1;-2,5;'=2\r\n") == ["=1+1"]


# --- case exports -------------------------------------------------------------------------------


@pytest.fixture
def hostile_cases(world: World) -> list[Case]:
    made = []
    for number, payload in enumerate(CELL_PAYLOADS):
        case = make_case(
            world.municipality,
            text=f"Яма. {payload}",
            external_id=f"hostile-{number}",
            department=world.housing,
            author=CitizenData(full_name=payload[:300], postal_address=payload[:500]),
        )
        made.append(case)
    record_analyses(
        [
            (c, AnalysisData(model_version="t", masked_text=p))
            for c, p in zip(made, CELL_PAYLOADS, strict=True)
        ],
        at=NOW,
    )
    return made


@pytest.mark.parametrize("personal", ["0", "1"])
def test_the_case_export_has_no_formula_in_csv_or_xlsx(
    world: World, hostile_cases: list[Case], personal: str
) -> None:
    client = staff(world.operator)

    as_csv = client.get("/export/cases.csv", {"pd": personal})
    as_xlsx = client.get("/export/cases.xlsx", {"pd": personal})

    assert (as_csv.status_code, as_xlsx.status_code) == (200, 200)
    text = body(as_csv).decode("utf-8-sig")
    assert formula_csv_cells(text) == []
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    texts = {row[rows[0].index("Текст")] for row in rows[1:]}
    shown = {csv_text(t) for p in CELL_PAYLOADS for t in (p, f"Яма. {p}")}
    assert len(texts) == len(CELL_PAYLOADS) and texts <= shown
    data = body(as_xlsx)
    assert formula_cells(data) == []
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    column = header.index("Текст")
    exported = {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    # XML reads a CR back as LF; otherwise the text is as the citizen wrote it
    kept = {t.replace("\r", "\n") for p in CELL_PAYLOADS for t in (p, f"Яма. {p}")}
    assert len(exported) == len(CELL_PAYLOADS) and exported <= kept
    assert as_xlsx["X-Content-Type-Options"] == "nosniff"
    assert as_csv["Content-Disposition"].startswith("attachment;")


def test_a_1_mb_text_is_cut_to_one_cell_in_the_export_and_kept_whole_on_the_case(
    world: World,
) -> None:
    case = make_case(world.municipality, text=HUGE_TEXT, department=world.housing)
    record_analyses([(case, AnalysisData(model_version="t", masked_text=HUGE_TEXT))], at=NOW)

    data = body(staff(world.operator).get("/export/cases.xlsx"))

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    [row] = list(sheet.iter_rows(min_row=2, values_only=True))
    assert row[header.index("Текст")] == HUGE_TEXT[:32_000]
    assert Case.objects.get().text == HUGE_TEXT


# --- participation ------------------------------------------------------------------------------


def test_poll_answers_and_discussion_comments_are_inert_everywhere(world: World) -> None:
    poll = open_repair_poll(world)
    questions = list(poll.questions.all())
    first, free = questions[0], questions[2]
    answers = [p for p in CELL_PAYLOADS if p.strip()]
    for number, payload in enumerate(answers):
        voter = confirmed_voter(poll, f"voter{number}@mail.ru", ip=f"10.0.1.{number}")
        raw = {first.pk: [str(first.choices.first().pk)], free.pk: [payload]}  # type: ignore[union-attr]
        cast_ballot(poll, voter.pk, parse_selections(questions, raw), ip="10.0.2.1", now=NOW)
    poll.results_public = True
    poll.save(update_fields=["results_public"])
    close_poll(poll, by=world.operator, now=NOW + timedelta(minutes=10))
    client = staff(world.head)

    for path in (f"/participation/{poll.pk}/results/", f"/participation/{poll.pk}/"):
        page = client.get(path)
        assert page.status_code == 200
        assert_safe_html(page.content.decode())
    public = Client().get(f"/public/polls/{poll.public_key}/results/")
    assert public.status_code == 200
    assert_safe_html(public.content.decode())
    assert_safe_html(Client().get(f"/public/polls/{poll.public_key}/").content.decode())
    as_csv = body(client.get(f"/participation/{poll.pk}/results.csv")).decode("utf-8-sig")
    assert formula_csv_cells(as_csv) == []
    as_xlsx = body(client.get(f"/participation/{poll.pk}/results.xlsx"))
    assert formula_cells(as_xlsx) == [] and formula_like_texts(as_xlsx) == []
    sheet = load_workbook(io.BytesIO(as_xlsx)).active
    assert sheet is not None
    texts = {row[1] for row in sheet.iter_rows(values_only=True) if row[0] == free.text}
    assert texts == {csv_text(p.strip()) for p in answers}

    discussion = create_discussion(
        world.municipality,
        DiscussionData(
            title=XSS["script"],
            document=XSS["img_onerror"],
            opens_at=NOW - timedelta(days=1),
            closes_at=NOW + timedelta(days=1),
        ),
        by=world.operator,
        now=NOW,
    )
    for number, payload in enumerate(answers):
        comment = post_comment(
            discussion, author_name=payload, text=payload, ip=f"10.0.3.{number}", now=NOW
        )
        moderate_comment(comment, publish=True, by=world.operator, now=NOW)
    for path in (f"/participation/discussions/{discussion.pk}/", "/participation/discussions/"):
        assert_safe_html(client.get(path).content.decode())
    public_page = Client().get(f"/public/polls/discussions/{discussion.public_key}/")
    assert public_page.status_code == 200
    assert_safe_html(public_page.content.decode())
    assert "&lt;script&gt;alert(7311)&lt;/script&gt;" in public_page.content.decode()


# --- monitoring ---------------------------------------------------------------------------------


def test_mentions_with_hostile_text_and_links_are_inert(world: World) -> None:
    source = MonitoredSource.objects.create(
        municipality=world.municipality, kind=SourceKind.RSS, name=XSS["svg_onload"],
        address="https://news.example/rss",
    )  # fmt: skip
    links = ["javascript:alert(7311)", " JaVaScRiPt:alert(7311)", "data:text/html,<b>", ""]
    for number, payload in enumerate(CELL_PAYLOADS):
        post = FetchedPost(
            external_id=f"m/{number}",
            text=f"Яма на улице {payload}",
            published_at=NOW,
            url=links[number % len(links)],
            author=payload,
        )
        mention, created = record_post(source, post, None, [("яма", "яма")], now=NOW)
        assert created and mention is not None

    assert set(Mention.objects.values_list("url", flat=True)) == {""}
    page = staff(world.operator).get("/monitoring/")
    assert page.status_code == 200
    assert_safe_html(page.content.decode())
    assert "&lt;script&gt;alert(7311)&lt;/script&gt;" in page.content.decode()


def test_a_mention_keeps_an_ordinary_link(world: World) -> None:
    source = MonitoredSource.objects.create(
        municipality=world.municipality, kind=SourceKind.RSS, name="Вести", address="https://x/"
    )
    post = FetchedPost(
        external_id="ok", text="Яма на улице", published_at=NOW, url="https://news.example/1"
    )

    mention, _ = record_post(source, post, None, [("яма", "яма")], now=NOW)

    assert mention is not None and mention.url == "https://news.example/1"


# --- publishing ---------------------------------------------------------------------------------


def test_the_monthly_publishing_xlsx_has_no_formula(world: World) -> None:
    for number, payload in enumerate(CELL_PAYLOADS):
        OfficialPage.objects.create(
            municipality=world.municipality,
            network=Network.VK,
            name=payload[:200] or "пусто",
            institution=payload[:200],
            remote_id=str(1000 + number),
            owner=world.operator,
        )
    client = staff(world.regional)

    answer = client.get("/publishing/report/?month=2026-11")

    assert answer.status_code == 200
    data = bytes(answer.content)
    assert formula_cells(data) == []
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert formula_like_texts(data) == []
    names = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert {'\'=HYPERLINK("http://evil.example","x")', "'\t=1+1", "'\n=1+1", "'-2+3"} <= names
    assert_safe_html(client.get("/publishing/").content.decode())
