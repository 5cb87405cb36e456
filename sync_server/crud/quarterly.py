"""Loads a cité's live records and referentials for the programme's quarterly report."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from domain.periods import Period
from domain.quarterly import QuarterlyReport, compute_quarterly
from sync_server.crud.indicators import Rows, by_entity, cite_rows
from sync_server.models import Qpv
from sync_server.sync.supervisor_ops import partner_names


def qpv_names(session: Session, *, cite_id: str) -> dict[str, str]:
    return {q.code: q.name for q in session.exec(select(Qpv).where(Qpv.cite_id == cite_id)).all()}


def quarterly_of_rows(
    session: Session,
    *,
    cite_id: str,
    rows: Rows,
    partners: dict[str, str],
    period: Period,
    today: dt.date,
) -> QuarterlyReport:
    """The report of a cité's rows already loaded, its partners named as the caller
    wants them (by structure for the cité, by kind across the programme)."""
    return compute_quarterly(
        period=period,
        today=today,
        partner_names=partners,
        qpv_names=qpv_names(session, cite_id=cite_id),
        **by_entity(rows),
    )


def cite_quarterly(
    session: Session, *, cite_id: str, period: Period, today: dt.date
) -> QuarterlyReport:
    return quarterly_of_rows(
        session,
        cite_id=cite_id,
        rows=cite_rows(session, cite_id=cite_id),
        partners=partner_names(session, cite_id=cite_id),
        period=period,
        today=today,
    )
