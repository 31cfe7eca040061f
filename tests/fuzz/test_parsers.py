"""Fuzzing every other parser of outside input: e-mail letters, the gazetteer (CSV and
GeoJSON), the production calendar, `veche triage FILE` input, RSS/Atom feeds, Telegram
preview pages, Open311 forms. Garbage ends in the parser's own error; valid input comes back
with its values; a broken row or line is reported by number and costs no other."""

# ruff: noqa: DTZ001 - bounds of generated datetimes are naive; the values get a zone

import csv
import io
import itertools
import json
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.http import QueryDict
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import garbage_bytes, garbage_text, words
from tests.personas import World
from veche.cases.models import Case
from veche.catalog.models import Channel
from veche.deadlines.calendar import statutory_year as default_year
from veche.deadlines.calendar_file import CalendarFileError, parse_year, year_document
from veche.intake.connectors.base import ConnectorError
from veche.intake.connectors.email.letters import parse_letter
from veche.intake.connectors.webhook import HEADER, sign
from veche.intake.models import Source
from veche.intake.open311.errors import Open311Error
from veche.intake.open311.parsing import parse_query, parse_request
from veche.monitoring.connectors.rss import parse_feed
from veche.monitoring.connectors.telegram import parse_preview
from veche.org.services import issue_api_token
from veche.triage.batch import read_items
from veche.triage.gazetteer_file import (
    FIELDS,
    GazetteerFileError,
    GazetteerRecord,
    RecordKind,
    RowProblem,
    parse_record,
    read_records,
    read_source,
    write_gazetteer,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_CLIENTS = itertools.count()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)

# E-mail -----------------------------------------------------------------------------------


@settings(max_examples=200)
@given(raw=st.one_of(garbage_bytes(), garbage_text().map(lambda s: s.encode("utf-8"))))
def test_any_bytes_are_a_letter_or_an_automatic_one(raw: bytes) -> None:
    letter = parse_letter(raw, received_at=NOW)
    if letter is not None:
        assert letter.text or letter.files
        assert "\x00" not in letter.text
        assert len(letter.external_id) <= 200 + len("sha256:")


@settings(max_examples=60)
@given(
    subject=words(0, 80),
    body=words(1, 400),
    name=words(0, 40),
    charset=st.sampled_from(["utf-8", "koi8-r", "cp1251"]),
    junk=st.lists(
        st.tuples(
            st.sampled_from([b"Subject", b"From", b"Message-ID", b"Content-Type", b"X-Junk"]),
            st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
        ),
        max_size=3,
    ),
)
def test_a_letter_keeps_its_subject_text_and_sender(
    subject: str, body: str, name: str, charset: str, junk: list[tuple[bytes, bytes]]
) -> None:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=name, addr_spec="citizen@example.org")
    message["Message-ID"] = "<fuzz-1@example.org>"
    message["Date"] = format_datetime(NOW)
    message.set_content(body, charset=charset if _encodable(body + subject, charset) else "utf-8")
    raw = message.as_bytes()

    letter = parse_letter(raw, received_at=NOW)

    assert letter is not None
    assert letter.text == body
    assert letter.subject == subject
    assert letter.external_id == "fuzz-1@example.org"
    assert letter.author is not None and letter.author.email == "citizen@example.org"
    assert letter.author.full_name == name
    # Raw junk header lines in front of the same letter: still read, never an exception.
    mangled = b"".join(k + b": " + v + b"\r\n" for k, v in junk) + raw
    again = parse_letter(mangled, received_at=NOW)
    assert again is None or again.text or again.files  # a body of odd type is kept as a file


def _encodable(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


# Gazetteer --------------------------------------------------------------------------------


def _drain_gazetteer(content: bytes) -> int:
    """Rows read from a file; the whole file may be refused, a row may be refused."""
    source = read_source(io.BytesIO(content))
    rows = 0
    for row in source.rows:
        rows += 1
        if row.error:
            continue
        try:
            parse_record(row.values)
        except RowProblem as exc:
            assert str(exc)
    return rows


@settings(max_examples=200)
@given(content=st.one_of(garbage_bytes(), JSON.map(lambda v: json.dumps({"features": v}).encode())))
def test_gazetteer_garbage_is_a_file_error_or_row_problems(content: bytes) -> None:
    try:
        _drain_gazetteer(content)
    except GazetteerFileError as exc:
        assert str(exc)


_coordinate = st.floats(-89, 89, allow_nan=False).map(lambda v: round(v, 6))
_places = st.builds(
    GazetteerRecord,
    kind=st.sampled_from([RecordKind.SETTLEMENT, RecordKind.LANDMARK, RecordKind.HOUSE]),
    name=words(1, 60),
    settlement=words(0, 40),
    street=words(1, 40),
    house=st.integers(1, 999).map(str),
    lat=_coordinate,
    lon=_coordinate,
    territory=words(0, 30),
)


@settings(max_examples=50)
@given(
    records=st.lists(_places, min_size=1, max_size=8),
    broken_at=st.integers(0, 8),
    bad=st.sampled_from(["kind", "lat", "name", "huge"]),
)
def test_gazetteer_round_trip_and_one_broken_row(
    tmp_path: Path, records: list[GazetteerRecord], broken_at: int, bad: str
) -> None:
    path = tmp_path / "places.csv"
    write_gazetteer(records, path)
    assert list(read_records(path.open("rb"))) == records

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    broken_at = min(broken_at, len(records))
    values = dict.fromkeys(FIELDS, "") | {
        "kind": "landmark",
        "name": "Сквер",
        "lat": "55",
        "lon": "37",
    }
    values |= {"kind": {"kind": "дворец", "lat": "север", "name": "", "huge": "landmark"}[bad]}
    if bad == "huge":
        values["name"] = "Я" * 400
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([values[f] for f in FIELDS])
    lines.insert(broken_at + 1, buffer.getvalue())
    source = read_source(io.BytesIO("".join(lines).encode()))
    good, problems = [], []
    for row in source.rows:
        try:
            good.append(parse_record(row.values))
        except RowProblem as exc:
            problems.append((row.number, str(exc)))
    assert good == records
    assert [n for n, _ in problems] == [broken_at + 2]  # the header is row 1
    assert problems[0][1]


# Production calendar ---------------------------------------------------------------------


@settings(max_examples=200)
@given(
    document=st.one_of(
        JSON,
        st.dictionaries(
            st.sampled_from(
                [
                    "year",
                    "days_off",
                    "working_weekend_days",
                    "shortened_days",
                    "note",
                    "decree",
                    "x",
                ]
            ),
            JSON,
        ),
    )
)
def test_calendar_garbage_is_a_calendar_file_error(document: object) -> None:
    try:
        parse_year(document)
    except CalendarFileError as exc:
        assert str(exc)


@settings(max_examples=30)
@given(year=st.integers(2000, 2100))
def test_calendar_round_trip(year: int) -> None:
    data = default_year(year)
    back = parse_year(year_document(data))
    assert (back.year, back.days_off, back.working_weekend_days, back.shortened_days) == (
        data.year,
        data.days_off,
        data.working_weekend_days,
        data.shortened_days,
    )


# `veche triage FILE` ----------------------------------------------------------------------


@settings(max_examples=150)
@given(content=garbage_bytes())
def test_triage_input_garbage_gives_items_or_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in"
    path.write_bytes(content)
    try:
        for item in read_items(path):
            assert item.line >= 1
            assert item.text or item.error
    except ValueError as exc:
        assert "text" in str(exc)


@settings(max_examples=60)
@given(
    texts=st.lists(words(1, 200), min_size=1, max_size=8),
    broken_at=st.integers(0, 8),
    junk=st.sampled_from(['{"text": 5}', "{oops", "[1, 2]", '{"id": 1}']),
)
def test_triage_jsonl_broken_line_costs_only_itself(
    tmp_path: Path, texts: list[str], broken_at: int, junk: str
) -> None:
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    broken_at = min(broken_at, len(lines))
    lines.insert(broken_at, junk)
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    items = list(read_items(path))

    assert [i.text for i in items if not i.error] == texts
    assert [(i.line, bool(i.error)) for i in items if i.error] == [(broken_at + 1, True)]


@settings(max_examples=20)
@given(
    texts=st.lists(words(1, 200), min_size=1, max_size=6),
    broken_at=st.integers(0, 6),
    junk=st.sampled_from(["huge", "short"]),
)
def test_triage_csv_broken_line_costs_only_itself(
    tmp_path: Path, texts: list[str], broken_at: int, junk: str
) -> None:
    rows = [[str(i), t, "Центральный"] for i, t in enumerate(texts)]
    broken_at = min(broken_at, len(rows))
    # Over any limit the csv module may have been given in this process (the file import
    # raises it to an XLSX cell's size).
    huge = "я" * (max(csv.field_size_limit(), 1 << 17) + 10)
    rows.insert(broken_at, ["x", huge, ""] if junk == "huge" else ["x"])
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["id", "text", "district"])
        writer.writerows(rows)

    items = list(read_items(path))

    assert [(i.text, i.territory) for i in items if not i.error] == [
        (t, "Центральный") for t in texts
    ]
    assert [i.line for i in items if i.error] == [broken_at + 2]  # the header is line 1


# RSS / Atom and Telegram previews ---------------------------------------------------------


@settings(max_examples=200)
@given(
    content=st.one_of(
        garbage_bytes(), garbage_text().map(lambda s: f"<rss><channel>{s}</channel></rss>".encode())
    )
)
def test_feed_garbage_is_a_connector_error(content: bytes) -> None:
    try:
        posts = parse_feed(content, now=NOW)
    except ConnectorError as exc:
        assert str(exc)
    else:
        assert all(p.published_at.tzinfo is not None for p in posts)


@settings(max_examples=60)
@given(
    titles=st.lists(words(1, 80), min_size=1, max_size=6),
    dates=st.lists(
        st.one_of(
            st.just("вчера"),
            st.datetimes(
                min_value=datetime(2000, 1, 1),
                max_value=datetime(2099, 1, 1),
                timezones=st.just(UTC),
            ).map(format_datetime),
        ),
        min_size=6,
        max_size=6,
    ),
)
def test_rss_items_come_back_and_bad_dates_fall_back(titles: list[str], dates: list[str]) -> None:
    items = "".join(
        f"<item><title>{escape(t)}</title><guid>g{i}</guid><pubDate>{escape(d)}</pubDate></item>"
        for i, (t, d) in enumerate(zip(titles, dates, strict=False))
    )
    posts = parse_feed(f"<rss><channel>{items}</channel></rss>".encode(), now=NOW)
    assert [p.text for p in posts] == titles
    assert [p.external_id for p in posts] == [f"g{i}" for i in range(len(titles))]
    for post, written in zip(posts, dates, strict=False):
        assert post.published_at == NOW if written == "вчера" else post.published_at != NOW


@settings(max_examples=200)
@given(
    page=st.one_of(
        garbage_text(),
        garbage_text().map(
            lambda s: (
                '<div class="tgme_widget_message" data-post="c/1">'
                f'<div class="tgme_widget_message_text">{s}</div></div>'
            )
        ),
    )
)
def test_telegram_preview_pages_never_crash(page: str) -> None:
    for post in parse_preview(page):
        assert set(post) == {"post", "text", "time", "views"}


# Open311 ----------------------------------------------------------------------------------

_FORM_KEYS = st.sampled_from(
    ["service_code", "lat", "long", "address_string", "address_id", "description", "email",
     "media_url", "attribute[x]", "attribute[y][]", "service_request_id", "start_date",
     "end_date", "status", "first_name", "phone"]
)  # fmt: skip
_FORM_VALUES = st.one_of(
    garbage_text(40),
    st.sampled_from(["nan", "inf", "-1e309", "55,7", "9999-12-31T23:59:59", "0001-01-01",
                     "2026-11-23T09:00:00 03:00", "open,closed,x", "1,2,a", "x@y"]),
)  # fmt: skip


@settings(max_examples=300)
@given(pairs=st.lists(st.tuples(_FORM_KEYS, _FORM_VALUES), max_size=8))
def test_open311_forms_are_parsed_or_refused_with_400(pairs: list[tuple[str, str]]) -> None:
    form = QueryDict(mutable=True)
    for key, value in pairs:
        form.appendlist(key, value.replace("\x00", ""))
    for parse in (parse_request, lambda f: parse_query(f, zone="Europe/Moscow", now=NOW)):
        try:
            parse(form)
        except Open311Error as exc:
            assert exc.status == 400
            assert all(exc.descriptions)


def test_open311_query_near_the_end_of_time_is_refused() -> None:
    far = (NOW + timedelta(days=365 * 74)).strftime("%Y-%m-%dT%H:%M:%S")
    form = QueryDict(f"start_date={far}")
    try:
        parse_query(form, zone="Europe/Moscow", now=NOW)
    except Open311Error as exc:
        assert exc.status == 400


def test_calendar_default_year_is_a_date_set() -> None:
    assert all(isinstance(d, date) for d in default_year(2026).days_off)


# Webhook JSON (`/intake/hooks/<source>/`) ---------------------------------------------------

HOOK_SECRET = "fuzz-webhook-secret"
_ITEM = {"id": "A-1", "text": "Яма у дома 5", "received_at": "2026-11-23T08:00:00+03:00"}
_ITEM_VALUES = st.one_of(JSON, st.sampled_from(["", "9999-12-31T23:59:59", "x" * 300]))


@pytest.fixture
def hook_source(world: World) -> Source:
    return Source.objects.create(
        municipality=world.municipality,
        channel=Channel.objects.get(code=Channel.Code.API),
        name="Портал (fuzz)",
        config={"secret": HOOK_SECRET},
    )


@settings(max_examples=40)
@given(
    body=st.one_of(
        JSON.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(
            st.sampled_from(["id", "text", "received_at", "lat", "lon", "author", "regime"]),
            _ITEM_VALUES,
        ).map(lambda d: json.dumps([_ITEM | d]).encode()),
        garbage_bytes(256),
    )
)
def test_webhook_bodies_get_an_answer_never_a_500(hook_source: Source, body: bytes) -> None:
    before = Case.objects.count()
    response = Client().post(
        f"/intake/hooks/{hook_source.pk}/",
        data=body,
        content_type="application/json",
        headers={HEADER: sign(HOOK_SECRET, body)},
    )
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response.content
        assert Case.objects.count() == before  # refused whole: the sender can send it again


# Open311 over HTTP ------------------------------------------------------------------------


@settings(max_examples=40)
@given(
    overrides=st.lists(st.tuples(_FORM_KEYS, _FORM_VALUES), max_size=5),
    fmt=st.sampled_from(["json", "xml", "csv"]),
    raw=st.one_of(st.none(), garbage_bytes(200)),
)
def test_open311_requests_get_an_answer_never_a_500(
    world: World, overrides: list[tuple[str, str]], fmt: str, raw: bytes | None
) -> None:
    from django.core.cache import cache

    cache.clear()  # the per-client throttle would answer 429 before the parser is reached
    key = issue_api_token(f"fuzz {next(_CLIENTS)}", user=world.operator)[1]
    fields = {
        "api_key": key,
        "jurisdiction_id": world.municipality.oktmo,
        "service_code": str(world.topic_pits.pk),
        "lat": "55.751",
        "long": "37.618",
        "description": "Глубокая яма во дворе.",
    }
    form = QueryDict(mutable=True)
    form.update(fields)
    for name, value in overrides:
        form.setlist(name, [value.replace("\x00", "")])
    body = raw if raw is not None else form.urlencode().encode()
    client = Client()
    before = Case.objects.count()

    posted = client.post(
        f"/open311/v2/requests.{fmt}", body, content_type="application/x-www-form-urlencoded"
    )
    listed = client.get(f"/open311/v2/requests.{fmt}", form)

    assert posted.status_code < 500, posted.content
    assert listed.status_code < 500, listed.content
    if posted.status_code >= 400:
        assert Case.objects.count() == before
