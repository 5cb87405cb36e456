from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from domain.api.insight import IndicatorsOut
from domain.periods import Period
from sync_server.api.deps import SessionDep, SupervisorUser
from sync_server.api.guards import JournalDep
from sync_server.crud import indicators as crud_indicators

router = APIRouter(prefix="/console", tags=["indicators"])

DateFrom = Annotated[dt.date | None, Query(description="First day (default: quarter start)")]
DateTo = Annotated[dt.date | None, Query(description="Last day, included")]
QpvParam = Annotated[
    str | None, Query(description="QPV code, e.g. QN0600101", pattern=r"^QN\d{7}$")
]


def period_or_400(date_from: dt.date | None, date_to: dt.date | None) -> Period:
    try:
        return crud_indicators.resolve_period(date_from, date_to)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from exc


async def asked_period(date_from: DateFrom = None, date_to: DateTo = None) -> Period:
    """The period of the query's `date_from` and `date_to` (the current quarter by
    default); 400 with the reason when it is not plausible."""
    return period_or_400(date_from, date_to)


PeriodDep = Annotated[Period, Depends(asked_period)]


@router.get("/indicators", response_model=IndicatorsOut)
def indicators(
    session: SessionDep,
    user: SupervisorUser,
    journal: JournalDep,
    period: PeriodDep,
    qpv: QpvParam = None,
) -> IndicatorsOut:
    """Indicators of the caller's cité for the period (the current quarter by default)."""
    result = crud_indicators.cite_indicators(session, cite_id=user.cite_id, period=period, qpv=qpv)
    journal.read("indicators.read", detail={"period": period.slug, "qpv": qpv})
    return IndicatorsOut.from_indicators(result)
