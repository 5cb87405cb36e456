"""The programme view as a workbook: one sheet, each table with one column per cité
and « Ensemble », cells as protected on screen (« <5 » where hidden)."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from domain.programme import PROGRAMME_NOTE, TOTAL_LABEL, ProgrammeTable
from sync_server.core.reports import XLSX_TYPE as XLSX_TYPE
from sync_server.core.reports import heading_row, titled_sheet, workbook_bytes


def programme_xlsx(title: str, cites: list[str], tables: list[ProgrammeTable]) -> bytes:
    book, sheet = titled_sheet("Programme", title, PROGRAMME_NOTE, 60)
    for column in range(2, len(cites) + 3):
        sheet.column_dimensions[get_column_letter(column)].width = 24
    row = 2  # counted here: openpyxl's `max_row` scans every cell
    for table in tables:
        sheet.append([])
        sheet.append([table.title, *cites, TOTAL_LABEL])
        row += 2
        heading_row(sheet, row)
        lines = [*table.rows, *([table.total] if table.total else [])]
        for line in lines:
            sheet.append([line.label, *line.cells])
            row += 1
            for column in range(2, len(line.cells) + 2):
                sheet.cell(row, column).alignment = Alignment(horizontal="right")
            sheet.cell(row, len(line.cells) + 1).font = Font(bold=True)
            if line is table.total:
                sheet.cell(row, 1).font = Font(bold=True)
    return workbook_bytes(book)
