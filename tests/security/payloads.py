"""Hostile citizen input (issue 9) and the checks every sink must pass.

Each XSS payload carries the marker «7311» in the code it would run, so a check can tell an
element the payload injected from the page's own markup.
"""

import csv
import io
import re
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO

from openpyxl import load_workbook

MARKER = "7311"

XSS = {
    "script": f"<script>alert({MARKER})</script>",
    "img_onerror": f"<img src=x onerror=alert({MARKER})>",
    "svg_onload": f'"><svg onload=alert({MARKER})>',
    "js_link": f'<a href="javascript:alert({MARKER})">нажмите</a>',
    "markdown_link": f"[нажмите](javascript:alert({MARKER}))",
    "raw_html": f"<b>жирно</b><iframe src=//evil.example/{MARKER}></iframe><style>*{{}}</style>",
    "attr_break": f"' onmouseover='alert({MARKER})' x='",
}
RTL_NAME = "счет\u202efdp.exe"
ODD = {
    "rtl": f"Яма у дома 5 \u202eотвечайте\u202c {RTL_NAME}",
    "zero_width": "Я\u200bма\u200c во\u200d дворе\ufeff\u2060",
    "nul": "Яма\x00 во дворе\x00",
    "emoji": "Яма 🕳️ во дворе 🚧 👨‍👩‍👧‍👦 🇷🇺",
}
FORMULAS = {
    "hyperlink": '=HYPERLINK("http://evil.example","x")',
    "cmd": "+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(1)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Every payload that is text (not a size): the case text, the name, the subject.
TEXTS = {**XSS, **ODD, **FORMULAS}
HUGE_TEXT = "Яма во дворе. " * 75_000  # ~1 MB of characters
HUGE_LINE = "Ж" * 10_000  # a 10k-character subject or name


def stored(text: str) -> str:
    """What the database keeps of a payload: PostgreSQL refuses NUL, so the cases app drops it."""
    return text.replace("\x00", "")


@dataclass
class _Scan(HTMLParser):
    """Every element of a page with the attributes that can run code."""

    found: list[str] = field(default_factory=list)
    _script: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._script = tag == "script"
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"} and (
                text.startswith(("javascript:", "vbscript:", "data:text/html"))
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
            if tag in {"img", "svg", "iframe"} and MARKER in text:
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and MARKER in data:
            self.found.append(f"<script>{data[:60]}")


def injected(html: str) -> list[str]:
    """What in a page could run: on* attributes, javascript: URLs, scripts with the marker,
    elements the payload brought. The templates have none of their own (CSP forbids them)."""
    scan = _Scan()
    scan.feed(html)
    scan.close()
    raw = [
        needle
        for needle in ("<script>alert(", "<img src=x", "<svg onload", "<iframe src=//evil")
        if needle in html
    ]
    return scan.found + raw


def assert_safe_html(html: str) -> None:
    assert injected(html) == []


def formula_cells(data: bytes) -> list[str]:
    """Cells of an XLSX that a spreadsheet would run: formulas. A cell of the string type
    shows its text as it is, even «=1+1» (how `veche.web.cells.xlsx_text` keeps text)."""
    book = load_workbook(BytesIO(data))
    return [
        f"{sheet.title}!{cell.coordinate}={cell.value!r}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def formula_like_texts(data: bytes) -> list[str]:
    """Texts of an XLSX written by the CSV convention (an apostrophe in front) that still
    start like a formula."""
    book = load_workbook(BytesIO(data))
    return [
        value
        for sheet in book.worksheets
        for value in sheet.iter_rows(values_only=True)
        for value in value
        if isinstance(value, str) and value.startswith(FORMULA_START)
    ]


def formula_csv_cells(text: str, delimiter: str = ";") -> list[str]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    number = re.compile(r"-?\d[\d ]*([.,]\d+)?%?")
    return [
        cell
        for row in reader
        for cell in row
        if cell.startswith(FORMULA_START) and not number.fullmatch(cell)
    ]


# --- PDF text (no PDF reader among the dependencies: fpdf2's output is simple enough) -----------

_OBJ = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_TOKEN = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _stream(body: bytes) -> bytes:
    length = re.search(rb"/Length (\d+)", body)
    start = re.search(rb"stream\r?\n", body)
    if length is None or start is None:
        return b""
    data = body[start.end() : start.end() + int(length.group(1))]
    return zlib.decompress(data) if b"/FlateDecode" in body[: start.start()] else data


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\":
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
        else:
            out += raw[i : i + 1]
            i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text an fpdf2 PDF shows, through each font's ToUnicode map, without whitespace
    (a cell's text wraps over lines)."""
    objects = {int(n): body for n, body in _OBJ.findall(data)}
    maps: dict[bytes, dict[int, str]] = {}
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", data):
        cmap = re.search(rb"/ToUnicode (\d+) 0 R", objects.get(int(number), b""))
        if cmap is None:
            continue
        table = _stream(objects[int(cmap.group(1))])
        pairs = re.findall(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>", table)
        maps[name] = {
            int(g, 16): bytes.fromhex(u.decode()).decode("utf-16-be", "replace") for g, u in pairs
        }
    text: list[str] = []
    for body in objects.values():
        content = _stream(body) if b"stream" in body else b""
        if b" Tf" not in content:
            continue
        font: dict[int, str] = {}
        for match in _TOKEN.finditer(content):
            if match.group(1):
                font = maps.get(match.group(1), {})
                continue
            glyphs = _unescape(match.group(2))
            codes = (int.from_bytes(glyphs[i : i + 2], "big") for i in range(0, len(glyphs) - 1, 2))
            text.extend(font.get(code, "\ufffd") for code in codes)
    return "".join("".join(text).split())
