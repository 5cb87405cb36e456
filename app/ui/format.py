"""Dates as a French reader writes and reads them, one way for every screen.

Stored dates are ISO: a day (`2025-03-14`) stays that day; a moment
(`2025-03-14T09:30:00+00:00`) is shown in the device's time zone. A moment without a
zone is UTC (what the server and the store write).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

_TYPED_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y")


def parse_day(text: str) -> dt.date | None:
    """A date typed as JJ/MM/AAAA (or AAAA-MM-JJ, JJ/MM/AA); None if it is not one."""
    text = text.strip()
    for fmt in _TYPED_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def require_day(text: str) -> dt.date:
    """`parse_day`, or a ValueError whose message a French reader understands."""
    day = parse_day(text)
    if day is None:
        raise ValueError(f"Date illisible « {text.strip()} » : écrivez JJ/MM/AAAA.")
    return day


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _moment(value: Any) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return value
    else:
        text = str(value)
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone()


def day(value: Any, *, empty: str = "") -> str:
    """JJ/MM/AAAA."""
    return f"{_moment(value):%d/%m/%Y}" if value else empty


def day_month(value: Any, *, empty: str = "") -> str:
    """JJ/MM."""
    return f"{_moment(value):%d/%m}" if value else empty


def day_time(value: Any, *, empty: str = "") -> str:
    """JJ/MM/AAAA HH:MM (a day alone: JJ/MM/AAAA)."""
    if not value:
        return empty
    moment = _moment(value)
    if not isinstance(moment, dt.datetime):
        return f"{moment:%d/%m/%Y}"
    return f"{moment:%d/%m/%Y %H:%M}"


def time_of_day(value: Any, *, empty: str = "") -> str:
    """HH:MM, in the device's time zone."""
    return f"{_moment(value):%H:%M}" if value else empty
