"""Renders the protected reports (domain.report, domain.quarterly_report) as CSV and XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from domain.disclosure import SUPPRESSED
from domain.quarterly_report import Grid, Section
from domain.report import SUPPRESSION_NOTE, ReportTable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CSV_HEADER = ["section", "categorie", "valeur"]


_HEADING = PatternFill("solid", fgColor="DDE3F5")


def titled_sheet(
    sheet_title: str, title: str, note: str, note_height: int
) -> tuple[Workbook, Worksheet]:
    """A workbook of one sheet: the title, then the secrecy note (wrapped, `note_height`
    points tall), the labels' column wide enough for the longest."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.column_dimensions["A"].width = 58
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([note])
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.row_dimensions[2].height = note_height
    return book, sheet


def heading_row(sheet: Worksheet, row: int) -> None:
    """A table's column headings: bold on a tinted band."""
    for cell in sheet[row]:
        cell.font = Font(bold=True)
        cell.fill = _HEADING


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_csv(title: str, tables: list[ReportTable]) -> bytes:
    """One line per figure: section, category, value ("<5" when suppressed).

    UTF-8 with a BOM and `;` separators, as French spreadsheet software expects.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerow(["Rapport", title, ""])
    for table in tables:
        for label, value in table.rows:
            writer.writerow([table.title, label, value])
        if table.total is not None:
            writer.writerow([table.title, "Total", table.total])
    writer.writerow(["Note", SUPPRESSION_NOTE, ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(title: str, tables: list[ReportTable]) -> bytes:
    book, sheet = titled_sheet("Rapport", title, SUPPRESSION_NOTE, 48)
    sheet.column_dimensions["B"].width = 14
    # Rows counted here: openpyxl's `max_row` scans every cell, once per call.
    row = 2
    for table in tables:
        sheet.append([])
        sheet.append([table.title, "Nombre"])
        row += 2
        heading_row(sheet, row)
        for label, value in table.rows:
            sheet.append([label, value])
            row += 1
            sheet.cell(row, 2).alignment = Alignment(horizontal="right")
        if table.total is not None:
            sheet.append(["Total", table.total])
            row += 1
            sheet.cell(row, 1).font = Font(bold=True)
            sheet.cell(row, 2).alignment = Alignment(horizontal="right")
    return workbook_bytes(book)


def sections_xlsx(title: str, sections: list[Section]) -> bytes:
    """One sheet per section, its grids one under the other (charts are the PDF's)."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for section in sections:
        sheet = book.create_sheet(section.sheet)
        listing = any(isinstance(b, Grid) and b.listing for b in section.blocks)
        # A list of actions: a date, then text; a table of figures: a label, then numbers.
        widths = (12, 20, 40, 24, 36, 10) if listing else (46, 16, 16, 16, 16, 16)
        for letter, width in zip("ABCDEF", widths, strict=True):
            sheet.column_dimensions[letter].width = width
        sheet.append([f"{title} · {section.title}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([SUPPRESSION_NOTE])
        row = 2
        for grid in (b for b in section.blocks if isinstance(b, Grid)):
            sheet.append([])
            sheet.append([grid.title])
            sheet.cell(row + 2, 1).font = Font(bold=True, size=12)
            sheet.append(grid.columns)
            row += 3
            heading_row(sheet, row)
            for label, values in grid.rows:
                sheet.append([label, *values])
                row += 1
                for cell in sheet[row][1:]:
                    if isinstance(cell.value, int | float) or cell.value == SUPPRESSED:
                        cell.alignment = Alignment(horizontal="right")
                if label in grid.emphasis:
                    for cell in sheet[row]:
                        cell.font = Font(bold=True)
    return workbook_bytes(book)
