"""File exports of the console: the quarterly report (aggregates) and the contacts list."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from domain.periods import Period
from domain.report import report_tables
from sync_server.api.deps import SessionDep, SupervisorUser
from sync_server.api.guards import JournalDep
from sync_server.api.routes.indicators import PeriodDep, QpvParam
from sync_server.core.reports import CSV_TYPE, XLSX_TYPE, report_csv, report_xlsx
from sync_server.crud import exports as crud_exports
from sync_server.crud import indicators as crud_indicators
from sync_server.models import AppUser, Cite

router = APIRouter(prefix="/console/exports", tags=["exports"])


def _file(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _report(
    session: SessionDep,
    user: AppUser,
    journal: JournalDep,
    period: Period,
    qpv: str | None,
    extension: Literal["xlsx", "csv"],
) -> Response:
    """The quarterly report as a file: aggregates only, small counts suppressed."""
    ind = crud_indicators.cite_indicators(session, cite_id=user.cite_id, period=period, qpv=qpv)
    cite = session.get(Cite, user.cite_id)
    title = f"{cite.name if cite else 'Cité'} · {period.label}" + (f" · QPV {qpv}" if qpv else "")
    slug = f"relais-rapport-{period.slug}" + (f"-{qpv}" if qpv else "")
    tables = report_tables(ind)
    journal.read(f"export.report_{extension}", detail={"period": period.slug, "qpv": qpv})
    if extension == "xlsx":
        return _file(report_xlsx(title, tables), XLSX_TYPE, f"{slug}.xlsx")
    return _file(report_csv(title, tables), CSV_TYPE, f"{slug}.csv")


_DOC = 'Aggregates only; every count under 5 shows as "<5" (with secondary suppression).'


@router.get(
    "/quarterly.xlsx",
    response_class=Response,
    description=_DOC,
    responses={200: {"content": {XLSX_TYPE: {}}}},
)
def quarterly_xlsx(
    session: SessionDep,
    user: SupervisorUser,
    journal: JournalDep,
    period: PeriodDep,
    qpv: QpvParam = None,
) -> Response:
    return _report(session, user, journal, period, qpv, "xlsx")


@router.get(
    "/quarterly.csv",
    response_class=Response,
    description=_DOC,
    responses={200: {"content": {"text/csv": {}}}},
)
def quarterly_csv(
    session: SessionDep,
    user: SupervisorUser,
    journal: JournalDep,
    period: PeriodDep,
    qpv: QpvParam = None,
) -> Response:
    return _report(session, user, journal, period, qpv, "csv")


@router.get(
    "/contacts.csv",
    response_class=Response,
    description="One line per contact of the caller's cité (minimal columns).",
    responses={200: {"content": {"text/csv": {}}}},
)
def contacts_csv(
    session: SessionDep, user: SupervisorUser, journal: JournalDep, period: PeriodDep
) -> Response:
    content, count = crud_exports.contacts_csv(session, cite_id=user.cite_id, period=period)
    journal.read("export.contacts_csv", detail={"period": period.slug, "rows": count})
    return _file(content, CSV_TYPE, f"relais-contacts-{period.slug}.csv")
