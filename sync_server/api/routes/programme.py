"""The programme view: a préfecture or ANCT correspondent reads the aggregated
indicators of the cités its account is attached to (role `programme` only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from sqlmodel import Session

from domain.api.programme import ProgrammeCiteOut, ProgrammeOut
from domain.periods import Period
from domain.programme import ProgrammeTable
from domain.programme_quarterly import programme_quarterly_sections
from domain.vocabulary import Role
from sync_server.api.deps import CurrentDevice, CurrentUser, SessionDep
from sync_server.api.routes.exports import Quarter, ReportFormat, Year
from sync_server.api.routes.exports import _quarter_or_400 as quarter_or_400
from sync_server.api.routes.indicators import DateFrom, DateTo, period_or_400
from sync_server.core.db import begin_write
from sync_server.core.programme_report import XLSX_TYPE, programme_xlsx
from sync_server.core.report_pdf import PDF_TYPE, report_pdf
from sync_server.core.reports import sections_xlsx
from sync_server.crud.audit import Actor, record_audit
from sync_server.crud.programme import (
    programme_cites,
    programme_indicators,
    programme_quarterly,
)
from sync_server.models import AppUser, Cite, Device

router = APIRouter(prefix="/programme", tags=["programme"])

NOT_PROGRAMME = "Introuvable : cette page est réservée aux comptes programme."


async def get_programme(user: CurrentUser) -> AppUser:
    """Only a programme account: anyone else gets 404 (a cité's team has its own
    indicators; a partner account learns nothing of other pages)."""
    if user.role != Role.PROGRAMME:
        if user.role in (Role.MEDIATOR, Role.SUPERVISOR, Role.ADMIN):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Réservé aux comptes programme.")
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_PROGRAMME)
    return user


ProgrammeUser = Annotated[AppUser, Depends(get_programme)]


def _journal(
    session: Session, user: AppUser, device: Device, cites: list[Cite], period: Period, action: str
) -> None:
    """Journaled in each cité read: its administrators see who read its figures."""
    session.commit()
    begin_write(session)
    actor = Actor.of(user, device)
    for cite_id in [c.id for c in cites] or [user.cite_id]:
        record_audit(
            session,
            actor=actor,
            action=action,
            detail={"period": period.slug, "cites": len(cites)},
            cite_id=cite_id,
        )
    session.commit()


@dataclass(frozen=True)
class _Reading:
    """A programme account's read of its cités' indicators over the period it asked."""

    session: Session
    user: AppUser
    device: Device
    period: Period

    def tables(self, action: str) -> tuple[list[Cite], list[ProgrammeTable]]:
        cites = programme_cites(self.session, user_id=self.user.id)
        tables = programme_indicators(self.session, cites=cites, period=self.period)
        _journal(self.session, self.user, self.device, cites, self.period, action)
        return cites, tables


async def _reading(
    session: SessionDep,
    user: ProgrammeUser,
    device: CurrentDevice,
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> _Reading:
    return _Reading(session, user, device, period_or_400(date_from, date_to))


ReadingDep = Annotated[_Reading, Depends(_reading)]


@router.get("/indicators", response_model=ProgrammeOut)
def indicators(reading: ReadingDep) -> ProgrammeOut:
    """The attached cités' indicators side by side and together, aggregated only,
    under statistical secrecy (1 to 4 hidden, secondary suppression, a zero is 0)."""
    period = reading.period
    cites, tables = reading.tables("programme.indicators")
    return ProgrammeOut(
        date_from=period.start,
        date_to=period.end,
        period_label=period.label,
        cites=[ProgrammeCiteOut(id=c.id, name=c.name) for c in cites],
        tables=[ProgrammeOut.table(t) for t in tables],
    )


@router.get(
    "/indicators.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}}},
)
def indicators_xlsx(reading: ReadingDep) -> Response:
    """The same tables as a workbook, protected the same way."""
    period = reading.period
    cites, tables = reading.tables("programme.export_xlsx")
    content = programme_xlsx(f"Programme · {period.label}", [c.name for c in cites], tables)
    return Response(
        content,
        media_type=XLSX_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="relais-programme-{period.slug}.xlsx"'
        },
    )


@router.get(
    "/quarterly",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}, PDF_TYPE: {}}}},
)
def quarterly(
    session: SessionDep,
    user: ProgrammeUser,
    device: CurrentDevice,
    year: Year,
    quarter: Quarter,
    format: ReportFormat = "xlsx",
) -> Response:
    """The quarterly report of the attached cités side by side and together: the
    quarter's figures, the year's trend, the partners' answers, the actions de terrain
    (no place: it is typed freely). Aggregated only, protected as the indicators."""
    today = dt.datetime.now(dt.UTC).date()
    # The cité report's refusal of a quarter not begun, in the same words.
    period = quarter_or_400(year, quarter, today)
    cites = programme_cites(session, user_id=user.id)
    tables, reports = programme_quarterly(session, cites=cites, period=period, today=today)
    _journal(session, user, device, cites, period, f"programme.report_{format}")
    names = [c.name for c in cites]
    sections = programme_quarterly_sections(names, tables, reports)
    label = f"{len(cites)} cité(s)"
    name = f"relais-programme-rapport-{period.slug}.{format}"
    if format == "pdf":
        content = report_pdf(cite=label, period_label=period.label, sections=sections, today=today)
        media_type = PDF_TYPE
    else:
        content = sections_xlsx(f"Programme · {label} · {period.label}", sections)
        media_type = XLSX_TYPE
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
