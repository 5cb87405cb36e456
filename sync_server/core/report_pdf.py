"""Renders the programme's quarterly report (domain.quarterly_report) as a printable PDF.

A4, for the comité de pilotage: the cité and the period at the top of every page, « Page
n sur N » at the bottom, tables and bar charts drawn with ReportLab's own shapes (no
browser, no plotting library). The font is the Bitstream Vera that ReportLab ships, so
the PDF looks the same on every server; its glyphs cover French, not every symbol.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, cast

import reportlab
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from domain.quarterly_report import Chart, Grid, Section, Value
from domain.report import SUPPRESSION_NOTE

PDF_TYPE = "application/pdf"
FONT, BOLD = "RelaisVera", "RelaisVera-Bold"
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
INK = colors.HexColor("#1F2A44")
PRIMARY = colors.HexColor("#2F4B9A")
HEADING_FILL = colors.HexColor("#DDE3F5")
GRID_LINE = colors.HexColor("#B8C0D6")
ROW = 14.0  # a table row's height, so bars beside a table line up with its rows
TABLE_WIDTH = WIDTH * 0.56
SERIES = [colors.HexColor(c) for c in ("#2F4B9A", "#E07A1F", "#3A9D6B", "#8E5BB5")]
# Vera has no arrow; the labels use one between two steps of a pathway.
_GLYPH_FALLBACKS = str.maketrans({"→": "–"})


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))


def text(value: Value) -> str:
    """A cell as printed: French decimals, empty for a figure still to come."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value).translate(_GLYPH_FALLBACKS)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11, textColor=INK)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=8, leading=10),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD, fontSize=18, leading=23, textColor=PRIMARY
        ),
        "h1": ParagraphStyle(
            "h1", parent=base, fontName=BOLD, fontSize=13.5, leading=18, textColor=PRIMARY
        ),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=10, leading=14),
    }


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Column shares of a list of actions: with the place (a cité's report) or without.
_LISTING_WIDTHS = {6: [0.11, 0.16, 0.2, 0.15, 0.28, 0.1], 5: [0.12, 0.2, 0.22, 0.34, 0.12]}


def _table(grid: Grid, styles: dict[str, ParagraphStyle]) -> Table:
    figures = len(grid.columns) - 1
    label_width = TABLE_WIDTH - 60 if figures == 1 else max(WIDTH * 0.34, WIDTH - 60 * figures)
    if grid.listing:  # the actions: a short date, text columns, the contacts last
        widths = _LISTING_WIDTHS.get(len(grid.columns), [1 / len(grid.columns)] * len(grid.columns))
        col_widths = [WIDTH * w for w in widths]
    else:
        rest = (WIDTH - label_width) / max(1, len(grid.columns) - 1)
        col_widths = [label_width] + [min(rest, 60.0)] * (len(grid.columns) - 1)

    def cell(value: Value, column: int) -> Any:
        if column == 0 and heights is not None:  # fixed rows, bars beside: one line each
            return _fit(str(value), 8, col_widths[0] - 12)
        if isinstance(value, str) and len(value) > (40 if column == 0 else 14):
            return Paragraph(_escape(text(value)), styles["cell"])
        return text(value)

    heights = [ROW] * (len(grid.rows) + 1) if len(grid.columns) == 2 else None
    # A cité's name over its column is longer than the column: wrapped.
    body = [
        [
            Paragraph(_escape(text(c)), styles["head"]) if i and len(c) > 14 else text(c)
            for i, c in enumerate(grid.columns)
        ]
    ]
    body += [
        [cell(label, 0), *[cell(v, i + 1) for i, v in enumerate(values)]]
        for label, values in grid.rows
    ]
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("FONT", (0, 0), (-1, 0), BOLD, 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADING_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID_LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    style.append(("ALIGN", (-1 if grid.listing else 1, 0), (-1, -1), "RIGHT"))
    for i, (label, _) in enumerate(grid.rows, start=1):
        if label in grid.emphasis:
            style.append(("FONT", (0, i), (-1, i), BOLD, 8))
    table = Table(body, colWidths=col_widths, rowHeights=heights, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _bar(x: float, y: float, width: float, height: float, colour: colors.Color) -> Rect:
    bar = Rect(x, y, width, height)
    bar.fillColor, bar.strokeColor = colour, None
    return bar


def _number(value: Value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _fit(label: str, size: float, width: float, font: str = FONT) -> str:
    """The label cut with « … » so it fits `width` points."""
    label = text(label)
    if pdfmetrics.stringWidth(label, font, size) <= width:
        return label
    while label and pdfmetrics.stringWidth(label + "…", font, size) > width:
        label = label[:-1]
    return label.rstrip() + "…"


def _bars_beside(chart: Chart, rows: int, width: float) -> Drawing:
    """Horizontal bars drawn to sit right of their table, one bar per table row."""
    values = chart.series[0][1]
    drawing = Drawing(width, ROW * rows)
    biggest = max([_number(v) for v in values] + [1.0])
    span = width - 34
    for i, value in enumerate(values, start=1):  # row 0 is the table's heading
        y = ROW * (rows - i - 1) + 3
        length = span * _number(value) / biggest
        if length > 0:
            drawing.add(_bar(6, y, length, ROW - 6, SERIES[0]))
        drawing.add(String(10 + length, y + 1.5, text(value), fontName=FONT, fontSize=7))
    return drawing


def _legend(drawing: Drawing, chart: Chart, y: float) -> None:
    x = 0.0
    for (name, _), colour in zip(chart.series, SERIES, strict=False):
        drawing.add(_bar(x, y, 8, 8, colour))
        drawing.add(String(x + 11, y + 1, text(name), fontName=FONT, fontSize=7.5))
        x += 20 + pdfmetrics.stringWidth(text(name), FONT, 7.5)


def _vertical(chart: Chart) -> Drawing:
    """Categories along the axis, one bar per series in each, values above the bars."""
    height, bottom, plot_top = (130.0, 20.0, 92.0) if chart.compact else (190.0, 26.0, 150.0)
    drawing = Drawing(WIDTH, height)
    drawing.add(String(0, height - 11, text(chart.title), fontName=BOLD, fontSize=9, fillColor=INK))
    if len(chart.series) > 1:
        _legend(drawing, chart, height - 28)
    biggest = max([_number(v) for _, vs in chart.series for v in vs] + [1.0])
    slot = WIDTH / max(1, len(chart.categories))
    bar = min(28.0, slot * 0.8 / len(chart.series))
    drawing.add(Line(0, bottom, WIDTH, bottom, strokeColor=GRID_LINE, strokeWidth=0.6))
    for i, category in enumerate(chart.categories):
        left = slot * i + (slot - bar * len(chart.series)) / 2
        for j, (_, values) in enumerate(chart.series):
            value = values[i]
            if value is None:
                continue
            length = (plot_top - bottom) * _number(value) / biggest
            x = left + bar * j
            if length > 0:
                drawing.add(_bar(x, bottom, bar - 1, length, SERIES[j % 4]))
            drawing.add(
                String(
                    x + bar / 2,
                    bottom + length + 2,
                    text(value),
                    fontName=FONT,
                    fontSize=6.5,
                    textAnchor="middle",
                )
            )
        drawing.add(
            String(
                slot * i + slot / 2,
                bottom - 10,
                _fit(category, 6.5, slot - 2),
                fontName=FONT,
                fontSize=6.5,
                textAnchor="middle",
            )
        )
    return drawing


def _grid_block(
    grid: Grid, styles: dict[str, ParagraphStyle], chart: Chart | None, under: Chart | None = None
) -> list[Flowable]:
    """The grid under its title, kept on one page with its bars beside or its chart
    under; a long list flows over pages instead, its heading row repeated."""
    heading = Paragraph(_escape(text(grid.title)), styles["h2"])
    table = _table(grid, styles)
    if len(grid.rows) > 30:  # the list of actions: flows over pages, heading row repeated
        return [heading, Spacer(1, 2), table, Spacer(1, 10)]
    body: Flowable = table
    if chart is not None:
        bars = _bars_beside(chart, len(grid.rows) + 1, WIDTH - TABLE_WIDTH)
        body = Table([[table, bars]], colWidths=[TABLE_WIDTH, WIDTH - TABLE_WIDTH], hAlign="LEFT")
        body.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *_NO_PADDING]))
    kept: list[Flowable] = [heading, Spacer(1, 2), body]
    if under is not None:
        kept += [Spacer(1, 8), _vertical(under)]
    return [KeepTogether(kept), Spacer(1, 10)]


_NO_PADDING = [
    (name, (0, 0), (-1, -1), 0)
    for name in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")
]


def _beside(grid: Grid, block: Grid | Chart | None) -> Chart | None:
    """The chart drawn beside `grid`: a horizontal one of the same rows, if next."""
    if isinstance(block, Chart) and block.horizontal:
        labels = [label for label, _ in grid.rows]
        if labels[: len(block.categories)] == block.categories and len(grid.columns) == 2:
            return block
    return None


def _blocks(blocks: list[Grid | Chart], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """A grid and the chart of its figures stay on one page: beside it when the chart
    is horizontal bars of its rows, under it otherwise."""
    out: list[Flowable] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(block, Chart):
            out += [KeepTogether([_vertical(block), Spacer(1, 8)])]
        elif (chart := _beside(block, following)) is not None:
            out += _grid_block(block, styles, chart)
            i += 1
        elif isinstance(following, Chart) and not following.horizontal:
            out += _grid_block(block, styles, None, under=following)
            i += 1
        else:
            out += _grid_block(block, styles, None)
        i += 1
    return out


class _NumberedCanvas(Canvas):
    """Draws the running header and « Page n sur N » once the page count is known."""

    header = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        cast(Any, self)._startPage()

    def save(self) -> None:
        for page in self._pages:
            self.__dict__.update(page)
            self._decorate(len(self._pages))
            super().showPage()
        super().save()

    def _decorate(self, count: int) -> None:
        width, height = A4
        self.setFont(FONT, 8)
        self.setFillColor(INK)
        self.drawString(MARGIN, height - 12 * mm, self.header)
        self.drawRightString(width - MARGIN, height - 12 * mm, "Comité de pilotage")
        self.setStrokeColor(GRID_LINE)
        self.line(MARGIN, height - 13.5 * mm, width - MARGIN, height - 13.5 * mm)
        self.drawRightString(width - MARGIN, 10 * mm, f"Page {self.getPageNumber()} sur {count}")
        self.drawString(MARGIN, 10 * mm, "Relais · secret statistique appliqué")


def report_pdf(*, cite: str, period_label: str, sections: list[Section], today: dt.date) -> bytes:
    _register_fonts()
    styles = _styles()
    header = f"Relais · {cite} · {period_label}"
    story: list[Flowable] = [
        Paragraph(_escape(f"Rapport du programme · {cite} · {period_label}"), styles["title"]),
        Paragraph(f"Établi le {today:%d/%m/%Y} à partir des données de Relais.", styles["body"]),
        Spacer(1, 4),
        Paragraph(_escape(text(SUPPRESSION_NOTE)), styles["body"]),
        Spacer(1, 10),
    ]
    for number, section in enumerate(sections, start=1):
        if number > 1:
            story.append(PageBreak())
        story.append(Paragraph(_escape(f"{number}. {text(section.title)}"), styles["h1"]))
        story.append(Spacer(1, 6))
        story += _blocks(section.blocks, styles)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=16 * mm,
        title=header,
        author="Relais",
        lang="fr-FR",
    )

    class _Canvas(_NumberedCanvas):
        pass

    _Canvas.header = header
    doc.build(story, canvasmaker=_Canvas)
    return out.getvalue()
