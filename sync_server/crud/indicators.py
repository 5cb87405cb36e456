"""Loads a cité's live records and hands them to the pure indicator functions."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from sqlmodel import Session, col, select

from domain.indicators import Indicators, compute_indicators
from domain.periods import Period, quarter_of, utc_today
from sync_server.models import Record
from sync_server.sync.supervisor_ops import partner_names

_ENTITIES = ("event", "person", "contact", "orientation")
Rows = dict[str, list[dict[str, Any]]]


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


def cite_rows(session: Session, *, cite_id: str) -> Rows:
    """The cité's live rows per entity, as `{"id": ..., **data}`."""
    rows: Rows = {e: [] for e in _ENTITIES}
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


class RowsByEntity(TypedDict):
    """A cité's rows as the pure report functions take them, one keyword per entity."""

    events: list[dict[str, Any]]
    persons: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    orientations: list[dict[str, Any]]


def by_entity(rows: Rows) -> RowsByEntity:
    return {
        "events": rows["event"],
        "persons": rows["person"],
        "contacts": rows["contact"],
        "orientations": rows["orientation"],
    }


def cite_indicators(
    session: Session, *, cite_id: str, period: Period, qpv: str | None = None
) -> Indicators:
    rows = cite_rows(session, cite_id=cite_id)
    return compute_indicators(
        period=period,
        qpv=qpv or None,
        partner_names=partner_names(session, cite_id=cite_id),
        **by_entity(rows),
    )
