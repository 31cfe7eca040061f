"""Hostile text in the printed reports (issue 9): problem titles, places, notes and the
intro reach the PDF and the XLSX of a report. The PDF shows them as text and renders whatever
their size or script; the XLSX has no formula.

Size policy: a PDF table cell shows at most 600 characters and ends with «…» (fpdf2 cannot
split one row over pages); the XLSX of the same report keeps the whole text (up to Excel's
cell limit). Glyphs the font lacks (emoji) are left out of the PDF, not an error.
"""

import io
import re

import pytest
from openpyxl import load_workbook

from tests.security.payloads import (
    FORMULAS,
    HUGE_LINE,
    ODD,
    XSS,
    formula_cells,
    pdf_text,
    stored,
)
from veche.reports.content import Column, Content, Document, Fmt, Section
from veche.reports.pdf import CELL_CHARS, render_pdf
from veche.reports.xlsx import render_xlsx

ROWS = {**XSS, **FORMULAS, **{k: stored(v) for k, v in ODD.items()}}


def document(*rows: str, intro: str = "", title: str = "Отчёт") -> Document:
    content = Content(
        [Column("Проблема", width=3), Column("Место", width=1.6), Column("Всего", Fmt.INT)],
        [[text, text, number] for number, text in enumerate(rows)],
    )
    return Document(
        title=title,
        municipality=XSS["svg_onload"],
        period="IV квартал 2026",
        intro=intro,
        generated="23.11.2026",
        signature_position=FORMULAS["hyperlink"],
        signature_name=XSS["script"],
        sections=[Section("problems", FORMULAS["cmd"], content)],
    )


def visible(text: str) -> str:
    """A text as `pdf_text` reads it back: without whitespace (lines wrap anywhere)."""
    return "".join(text.split())


@pytest.mark.parametrize("name", sorted(ROWS))
def test_each_payload_is_printed_as_text_in_the_pdf(name: str) -> None:
    text = ROWS[name]

    data = render_pdf(document(text, intro=text, title=text))

    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    shown = pdf_text(data)
    if name != "emoji":  # DejaVu Sans has no emoji: the rest of the line is printed
        assert shown.count(visible(text)) >= 3  # title, intro, both table columns
    assert visible(XSS["script"]) in shown and visible(FORMULAS["hyperlink"]) in shown


def test_a_huge_text_renders_cut_in_a_cell_and_whole_in_the_intro() -> None:
    intro = "Яма во дворе. " * 20_000  # 280,000 characters over many pages

    data = render_pdf(document(HUGE_LINE, intro=intro))

    shown = re.sub(r"стр\.\d+из\d+", "", pdf_text(data))  # the page footers
    assert "Ж" * (CELL_CHARS - 1) + "…" in shown
    assert "Ж" * CELL_CHARS not in shown.replace(intro, "")
    assert shown.count("Ямаводворе.") == 20_000
    book = load_workbook(io.BytesIO(render_xlsx(document(HUGE_LINE))))
    texts = [v for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r]
    assert HUGE_LINE in texts


def test_the_report_workbook_has_no_formula_and_keeps_the_text() -> None:
    data = render_xlsx(document(*ROWS.values(), intro=FORMULAS["at"], title=FORMULAS["minus"]))

    assert formula_cells(data) == []
    book = load_workbook(io.BytesIO(data))
    texts = {v for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r}
    # XML reads a CR back as LF; otherwise each text is as it was written
    assert {t.replace("\r", "\n") for t in ROWS.values()} <= texts
    assert {FORMULAS["hyperlink"], FORMULAS["at"], FORMULAS["minus"]} <= texts
