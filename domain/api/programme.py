"""The programme view's answer (aggregated indicators of several cités)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from domain.programme import PROGRAMME_NOTE, TOTAL_LABEL, ProgrammeTable


class ProgrammeCiteOut(BaseModel):
    id: str
    name: str


class ProgrammeRowOut(BaseModel):
    label: str
    cells: list[int | float | str] = Field(
        description="One cell per cité (order of `cites`), then the « Ensemble » cell; "
        "« <5 » where statistical secrecy hides a count, « — » where there is nothing"
    )


class ProgrammeTableOut(BaseModel):
    title: str
    rows: list[ProgrammeRowOut]
    total: ProgrammeRowOut | None = None


class ProgrammeOut(BaseModel):
    """Aggregated figures only: no name, no person-level row, counts of 1 to 4 hidden."""

    date_from: dt.date
    date_to: dt.date
    period_label: str
    cites: list[ProgrammeCiteOut]
    total_label: str = TOTAL_LABEL
    tables: list[ProgrammeTableOut]
    note: str = PROGRAMME_NOTE

    @staticmethod
    def table(t: ProgrammeTable) -> ProgrammeTableOut:
        return ProgrammeTableOut(
            title=t.title,
            rows=[ProgrammeRowOut(label=r.label, cells=r.cells) for r in t.rows],
            total=ProgrammeRowOut(label=t.total.label, cells=t.total.cells) if t.total else None,
        )
