"""The programme view as a workbook: one sheet, each table with one column per cité
and « Ensemble », cells as protected on screen (« <5 » where hidden)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from domain.programme import PROGRAMME_NOTE, TOTAL_LABEL, ProgrammeTable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def programme_xlsx(title: str, cites: list[str], tables: list[ProgrammeTable]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Programme"
    sheet.column_dimensions["A"].width = 58
    for column in range(2, len(cites) + 3):
        sheet.column_dimensions[get_column_letter(column)].width = 24
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([PROGRAMME_NOTE])
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.row_dimensions[2].height = 60
    heading = PatternFill("solid", fgColor="DDE3F5")
    row = 2  # counted here: openpyxl's `max_row` scans every cell
    for table in tables:
        sheet.append([])
        sheet.append([table.title, *cites, TOTAL_LABEL])
        row += 2
        for cell in sheet[row]:
            cell.font = Font(bold=True)
            cell.fill = heading
        lines = [*table.rows, *([table.total] if table.total else [])]
        for line in lines:
            sheet.append([line.label, *line.cells])
            row += 1
            for column in range(2, len(line.cells) + 2):
                sheet.cell(row, column).alignment = Alignment(horizontal="right")
            sheet.cell(row, len(line.cells) + 1).font = Font(bold=True)
            if line is table.total:
                sheet.cell(row, 1).font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
