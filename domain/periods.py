"""Reporting periods: calendar quarters by default, or any closed range of days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Three years (a programme's multi-year review fits); leap days included.
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """A closed range of days, `start` and `end` both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("La date de fin précède la date de début.")
        if (self.end - self.start).days >= MAX_PERIOD_DAYS:
            # A report lists every week of its period: year 1 to 9999 would keep a server
            # worker busy for minutes (a case the API fuzzer finds).
            raise ValueError("Période trop longue : trois ans au plus.")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        quarter = quarter_of(self.start)
        if quarter == self:
            return f"T{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def slug(self) -> str:
        """For file names: `2025-T1` for a quarter, `2025-01-01_2025-02-15` otherwise."""
        if quarter_of(self.start) == self:
            return f"{self.start.year}-T{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def quarter_of(day: dt.date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    if first_month == 10:
        next_start = dt.date(day.year + 1, 1, 1)
    else:
        next_start = dt.date(day.year, first_month + 3, 1)
    return Period(start, next_start - dt.timedelta(days=1))


def recent_quarters(today: dt.date, count: int = 4) -> list[Period]:
    """The quarter containing `today`, then the previous ones, newest first."""
    quarters = [quarter_of(today)]
    while len(quarters) < count:
        quarters.append(quarter_of(quarters[-1].start - dt.timedelta(days=1)))
    return quarters


def week_starts(period: Period) -> list[dt.date]:
    """Mondays of the weeks overlapping `period` (the first may precede its start)."""
    monday = period.start - dt.timedelta(days=period.start.weekday())
    weeks = []
    while monday <= period.end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def utc_today() -> dt.date:
    """The server's today: the day in UTC, whatever the machine's time zone."""
    return dt.datetime.now(dt.UTC).date()


def as_utc(moment: dt.datetime) -> dt.datetime:
    """The same instant with its zone: stored times are UTC, and SQLite gives them back
    without a zone (PostgreSQL keeps it)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
