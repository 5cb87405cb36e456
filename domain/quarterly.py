"""The quarterly report the programme asks for (docs/architecture.md §5), as exact figures.

For a chosen quarter: the whole cité and each of its QPV over the quarters of that
year (the trend: a quarter after the chosen one, or not begun on `today`, is `None`,
left empty), the list of the quarter's actions de terrain with the contacts logged in
each, and the cité's indicators of the quarter (the dashboard, the partners' answers).
Every figure comes from `compute_indicators`, so it is the dashboard's. Disclosure
control is applied later, by `domain.quarterly_report`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.indicators import Count, Indicators, Row, compute_indicators, parse_day
from domain.periods import Period, quarter_of
from domain.vocabulary import EventType


@dataclass(frozen=True)
class AreaFigures:
    """What the programme asks of one area (the cité or a QPV) in one quarter."""

    actions: int
    contacts: int
    people_met: int
    persons_followed: int
    orientations: int
    orientations_by_partner: list[Count]
    exits: int


@dataclass(frozen=True)
class AreaTrend:
    code: str | None
    """The QPV's code; `None` for the whole cité."""
    name: str
    quarters: list[AreaFigures | None]
    """One per quarter of the year (`QuarterlyReport.quarters`); `None`: not reported yet."""


@dataclass(frozen=True)
class ActionLine:
    day: dt.date
    type_label: str
    place: str
    qpv: str
    partners: list[str]
    contacts: int
    """Contacts logged in this action during the quarter."""


@dataclass(frozen=True)
class QuarterlyReport:
    period: Period
    quarters: list[Period]
    """The four quarters of the chosen one's year, in order."""
    cite: Indicators
    """The whole cité in the chosen quarter: the dashboard's figures."""
    areas: list[AreaTrend]
    """The whole cité first, then each QPV of the cité."""
    actions: list[ActionLine]


def year_quarters(year: int) -> list[Period]:
    return [quarter_of(dt.date(year, month, 1)) for month in (1, 4, 7, 10)]


def area_figures(ind: Indicators) -> AreaFigures:
    return AreaFigures(
        actions=ind.actions,
        contacts=ind.contacts,
        people_met=ind.people_met,
        persons_followed=ind.persons_followed,
        orientations=ind.orientations,
        orientations_by_partner=ind.orientations_by_partner,
        exits=ind.exits,
    )


def action_lines(
    *,
    period: Period,
    events: Sequence[Row],
    contacts: Sequence[Row],
    partner_names: Mapping[str, str],
    qpv_names: Mapping[str, str],
) -> list[ActionLine]:
    """The period's actions de terrain by date, each with the contacts logged in it
    during the period (what `contacts_by_action_type` counts under its type)."""
    logged = Counter(
        c.get("event_id") for c in contacts if parse_day(c.get("occurred_at")) in period
    )
    lines = []
    for event in events:
        day = parse_day(event.get("starts_at"))
        if day is None or day not in period:
            continue
        code = event.get("qpv_code") or ""
        lines.append(
            ActionLine(
                day=day,
                type_label=_label(EventType, event.get("type")),
                place=str(event.get("place") or ""),
                qpv=qpv_names.get(code, code),
                partners=[partner_names.get(p, p) for p in event.get("partner_ids") or []],
                contacts=logged.get(event["id"], 0),
            )
        )
    return sorted(lines, key=lambda line: (line.day, line.type_label, line.place))


def _label(enum: type[EventType], value: object) -> str:
    try:
        return enum(str(value)).label
    except ValueError:
        return str(value or "")


def compute_quarterly(
    *,
    period: Period,
    today: dt.date,
    events: Sequence[Row],
    persons: Sequence[Row],
    contacts: Sequence[Row],
    orientations: Sequence[Row],
    partner_names: Mapping[str, str],
    qpv_names: Mapping[str, str],
) -> QuarterlyReport:
    """`period` is a calendar quarter; `qpv_names` the cité's QPV (code → name)."""
    if quarter_of(period.start) != period:
        raise ValueError("Le rapport du programme porte sur un trimestre civil.")
    quarters = year_quarters(period.start.year)

    computed: dict[tuple[Period, str | None], Indicators] = {}

    def indicators(quarter: Period, qpv: str | None) -> Indicators:
        # The cité's chosen quarter is both the dashboard and a column of its trend.
        if (quarter, qpv) not in computed:
            computed[quarter, qpv] = compute_indicators(
                period=quarter,
                events=events,
                persons=persons,
                contacts=contacts,
                orientations=orientations,
                partner_names=partner_names,
                qpv=qpv,
            )
        return computed[quarter, qpv]

    def trend(code: str | None, name: str) -> AreaTrend:
        return AreaTrend(
            code=code,
            name=name,
            quarters=[
                area_figures(indicators(q, code))
                if q.start <= period.start and q.start <= today
                else None
                for q in quarters
            ],
        )

    areas = [trend(None, "Ensemble de la cité")]
    areas += [trend(code, name) for code, name in sorted(qpv_names.items(), key=lambda i: i[1])]
    return QuarterlyReport(
        period=period,
        quarters=quarters,
        cite=indicators(period, None),
        areas=areas,
        actions=action_lines(
            period=period,
            events=events,
            contacts=contacts,
            partner_names=partner_names,
            qpv_names=qpv_names,
        ),
    )
