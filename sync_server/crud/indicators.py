"""Loads a cité's live records and hands them to the pure indicator functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from domain.indicators import Indicators, compute_indicators
from domain.periods import Period, quarter_of, utc_today
from sync_server.models import Partner, Record

_ENTITIES = ("event", "person", "contact", "orientation")


_FIRST_REPORT_DAY = dt.date(2000, 1, 1)


def _day(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def resolve_period(date_from: dt.date | None, date_to: dt.date | None) -> Period:
    """Both dates → that range; none → the current quarter; one → its quarter's bound.

    Dates outside 2000 – next year are refused (ValueError, in French): nothing was
    recorded then, and a year near 9999 overflows the date arithmetic of a report."""
    today = utc_today()
    if date_from is not None and date_to is not None:
        Period(date_from, date_to)  # its own checks first: order, at most three years
    last = dt.date(today.year + 1, 12, 31)
    for given in (date_from, date_to):
        if given is not None and not _FIRST_REPORT_DAY <= given <= last:
            raise ValueError(
                f"période invraisemblable ({_day(given)}) : choisissez des dates"
                f" entre le {_day(_FIRST_REPORT_DAY)} et le {_day(last)}"
            )
    if date_from is None and date_to is None:
        return quarter_of(today)
    anchor = quarter_of(date_from or date_to)  # type: ignore[arg-type]
    return Period(date_from or anchor.start, date_to or anchor.end)


def cite_rows(session: Session, *, cite_id: str) -> dict[str, list[dict[str, Any]]]:
    """The cité's live rows per entity, as `{"id": ..., **data}`."""
    rows: dict[str, list[dict[str, Any]]] = {e: [] for e in _ENTITIES}
    records = session.exec(
        select(Record).where(
            Record.cite_id == cite_id,
            col(Record.entity).in_(_ENTITIES),
            col(Record.deleted).is_(False),
        )
    ).all()
    for record in records:
        rows[record.entity].append({**record.data, "id": record.id})
    return rows


def partner_names(session: Session, *, cite_id: str) -> dict[str, str]:
    partners = session.exec(select(Partner).where(Partner.cite_id == cite_id)).all()
    return {p.id: p.name for p in partners}


def cite_indicators(
    session: Session, *, cite_id: str, period: Period, qpv: str | None = None
) -> Indicators:
    rows = cite_rows(session, cite_id=cite_id)
    return compute_indicators(
        period=period,
        qpv=qpv or None,
        events=rows["event"],
        persons=rows["person"],
        contacts=rows["contact"],
        orientations=rows["orientation"],
        partner_names=partner_names(session, cite_id=cite_id),
    )
