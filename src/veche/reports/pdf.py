"""The report as a printable PDF (fpdf2): a title page, the sections with their tables and
charts (a landscape page where a table is wide), page numbers, and the signature block.

The font is DejaVu Sans from matplotlib's own data folder: it has Cyrillic and ships with a
dependency we already have, so the server needs no font package.
"""

import logging
from io import BytesIO
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from veche.reports.charts import Picture, render_chart
from veche.reports.content import Content, Document, Fmt, fmt_of, shown

FONT = "DejaVu"
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADINGS = FontFace(emphasis="BOLD", size_pt=7.5, fill_color=(228, 234, 241))
# fpdf2 subsets the font through fontTools, which logs every table it touches at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)
CHART_WIDTH = 170.0  # mm
MOST_OF_A_PAGE = 170.0  # mm: a section longer than this starts on a new page anyway
NUMERIC = {Fmt.INT, Fmt.NUMBER, Fmt.SHARE, Fmt.CHANGE, Fmt.HOURS, Fmt.DAYS}
# A table row must fit on one page (fpdf2 refuses to render a taller one), so a cell's text is
# cut here with «…»; the XLSX of the same report carries the whole text.
CELL_CHARS = 600


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 6, f"стр. {self.page_no()} из {{nb}}", align="C")


def render_pdf(document: Document) -> bytes:
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(document.title)
    pdf.set_creator("Вече")
    _title_page(pdf, document)
    for number, section in enumerate(document.sections, start=1):
        _section(pdf, f"{number}. {section.title}", section.content)
    _signature(pdf, document)
    return bytes(pdf.output())


def _title_page(pdf: FPDF, document: Document) -> None:
    pdf.add_page()
    pdf.set_font(FONT, size=11)
    _line(pdf, 0, 6, document.municipality, align="C")
    pdf.ln(30)
    pdf.set_font(FONT, "B", 17)
    _line(pdf, 0, 9, document.title, align="C")
    pdf.ln(6)
    pdf.set_font(FONT, size=13)
    _line(pdf, 0, 7, f"за {document.period}", align="C")
    pdf.ln(14)
    if document.intro:
        pdf.set_font(FONT, size=11)
        _line(pdf, 0, 6, document.intro, align="J")
        pdf.ln(8)
    pdf.set_font(FONT, "B", 11)
    _line(pdf, 0, 6, "Разделы")
    pdf.set_font(FONT, size=10)
    for number, section in enumerate(document.sections, start=1):
        _line(pdf, 0, 5.5, f"{number}. {section.title}")
    pdf.ln(8)
    pdf.set_font(FONT, size=9)
    _line(pdf, 0, 5, f"Сформирован {document.generated}")


def _section(pdf: FPDF, title: str, content: Content) -> None:
    """A section goes on the page it starts on when it fits there whole (table and chart);
    otherwise on a new page, where a long table breaks with its header repeated."""
    orientation = "L" if content.wide else "P"
    picture = render_chart(content)
    needed = 25 + 6 * (len(content.rows) + 1) + (CHART_WIDTH * picture.aspect if picture else 0)
    keep = needed if needed < MOST_OF_A_PAGE else 45
    if _orientation(pdf) != orientation or pdf.page == 1 or pdf.will_page_break(keep):
        pdf.add_page(orientation=orientation)
    else:
        pdf.ln(8)
    pdf.set_font(FONT, "B", 13)
    _line(pdf, 0, 7, title)
    if content.note:
        pdf.set_font(FONT, size=9)
        _line(pdf, 0, 5, content.note)
    pdf.ln(2)
    if not content.rows:
        pdf.set_font(FONT, size=10)
        _line(pdf, 0, 6, content.empty)
        return
    _table(pdf, content)
    if picture is not None:
        _chart(pdf, picture)


def _table(pdf: FPDF, content: Content) -> None:
    pdf.set_font(FONT, size=8.5)
    aligns = tuple("RIGHT" if column.fmt in NUMERIC else "LEFT" for column in content.columns)
    with pdf.table(
        col_widths=tuple(c.width for c in content.columns),
        text_align=aligns,
        headings_style=HEADINGS,
        line_height=4.6,
        padding=1,
        repeat_headings=1,
    ) as table:
        header = table.row()
        for column in content.columns:
            header.cell(column.label, align="CENTER")
        for values in content.rows:
            row = table.row()
            for value, column in zip(values, content.columns, strict=True):
                right = fmt_of(value, column) in NUMERIC and not isinstance(value, str)
                row.cell(_fitting(shown(value, column)), align="RIGHT" if right else "LEFT")


def _fitting(text: str) -> str:
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _chart(pdf: FPDF, picture: Picture) -> None:
    width = min(pdf.epw, CHART_WIDTH)
    height = width * picture.aspect
    pdf.ln(4)
    if pdf.will_page_break(height):
        pdf.add_page(orientation=_orientation(pdf))
    pdf.image(BytesIO(picture.png), x=pdf.l_margin + (pdf.epw - width) / 2, w=width, h=height)


def _signature(pdf: FPDF, document: Document) -> None:
    if not (document.signature_position or document.signature_name):
        return
    pdf.ln(14)
    if pdf.will_page_break(24):
        pdf.add_page(orientation=_orientation(pdf))
    pdf.set_font(FONT, size=11)
    half = pdf.epw / 2
    pdf.multi_cell(
        half, 6, document.signature_position, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP
    )
    _line(pdf, half, 6, f"________________  {document.signature_name}", align="R")


def _orientation(pdf: FPDF) -> str:
    return str(pdf.cur_orientation.value)


def _line(pdf: FPDF, width: float, height: float, text: str, align: str = "L") -> None:
    """A paragraph; the next one starts on the left margin below it."""
    pdf.multi_cell(width, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
