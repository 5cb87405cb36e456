"""File exports of the console: the quarterly report (aggregates) and the contacts list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from domain.periods import Period, quarter_of, utc_today
from domain.quarterly_report import quarterly_sections
from domain.report import report_tables
from sync_server.api.deps import SessionDep, SupervisorUser
from sync_server.api.guards import JournalDep
from sync_server.api.routes.indicators import PeriodDep, QpvParam
from sync_server.core.report_pdf import PDF_TYPE, report_pdf
from sync_server.core.reports import CSV_TYPE, XLSX_TYPE, report_csv, report_xlsx, sections_xlsx
from sync_server.crud import exports as crud_exports
from sync_server.crud import indicators as crud_indicators
from sync_server.crud import quarterly as crud_quarterly
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
    tables = report_tables(ind, today=utc_today())
    journal.read(f"export.report_{extension}", detail={"period": period.slug, "qpv": qpv})
    if extension == "xlsx":
        return _file(report_xlsx(title, tables), XLSX_TYPE, f"{slug}.xlsx")
    return _file(report_csv(title, tables), CSV_TYPE, f"{slug}.csv")


_DOC = (
    'Aggregates only; every count from 1 to 4 shows as "<5", a true zero as 0 (with secondary '
    "suppression); weeks still to come are empty."
)


def _add_quarterly_route(extension: Literal["xlsx", "csv"], media_type: str) -> None:
    """`/quarterly.xlsx` and `/quarterly.csv`: the same report, one file format each."""

    def quarterly(
        session: SessionDep,
        user: SupervisorUser,
        journal: JournalDep,
        period: PeriodDep,
        qpv: QpvParam = None,
    ) -> Response:
        return _report(session, user, journal, period, qpv, extension)

    router.get(
        f"/quarterly.{extension}",
        response_class=Response,
        description=_DOC,
        responses={200: {"content": {media_type: {}}}},
        name=f"quarterly_{extension}",
    )(quarterly)


_add_quarterly_route("xlsx", XLSX_TYPE)
_add_quarterly_route("csv", "text/csv")


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


Year = Annotated[int, Query(ge=2000, le=2100, description="The report's year")]
Quarter = Annotated[int, Query(ge=1, le=4, description="1 to 4")]
ReportFormat = Annotated[Literal["xlsx", "pdf"], Query(description="xlsx or pdf")]


def _quarter_or_400(year: int, quarter: int, today: dt.date) -> Period:
    period = quarter_of(dt.date(year, 3 * quarter - 2, 1))
    if period.start > today:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail=f"Le {period.label} n'a pas encore commencé : choisissez un trimestre passé "
            "ou en cours.",
        )
    return period


@router.get(
    "/quarterly",
    response_class=Response,
    description="The programme's report of one quarter: per QPV with the year's trend, the "
    "actions de terrain, the partners' answers, the dashboard. " + _DOC,
    responses={200: {"content": {XLSX_TYPE: {}, PDF_TYPE: {}}}},
)
def programme_report(
    session: SessionDep,
    user: SupervisorUser,
    journal: JournalDep,
    year: Year,
    quarter: Quarter,
    format: ReportFormat = "xlsx",
) -> Response:
    today = utc_today()
    period = _quarter_or_400(year, quarter, today)
    report = crud_quarterly.cite_quarterly(
        session, cite_id=user.cite_id, period=period, today=today
    )
    cite = session.get(Cite, user.cite_id)
    cite_name = cite.name if cite else "Cité"
    sections = quarterly_sections(report, today=today)
    journal.read(f"export.programme_{format}", detail={"period": period.slug})
    name = f"relais-rapport-programme-{period.slug}.{format}"
    if format == "pdf":
        pdf = report_pdf(cite=cite_name, period_label=period.label, sections=sections, today=today)
        return _file(pdf, PDF_TYPE, name)
    title = f"{cite_name} · {period.label}"
    return _file(sections_xlsx(title, sections), XLSX_TYPE, name)
