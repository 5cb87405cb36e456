"""The programme's quarterly report as protected sections: grids and bar charts.

The one source of its workbook and its PDF (`sync_server/core/quarterly_render.py`).
Every count goes through `domain.disclosure` (1–4 hidden, secondary suppression, a true
zero shown as 0); a quarter or week still to come is `None`, an empty cell. Charts show
the protected values only: a hidden bar is drawn empty and labelled « <5 ».
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.disclosure import Cell, protect_count, protect_table
from domain.indicators import Count
from domain.quarterly import AreaFigures, AreaTrend, QuarterlyReport
from domain.report import ReportTable, report_tables

Value = Cell | None

ORIENTATIONS_LABEL = "Orientations"
PARTNER_PREFIX = "dont "


@dataclass(frozen=True)
class Grid:
    title: str
    columns: list[str]
    """Headings; the first one names the label column."""
    rows: list[tuple[str, list[Value]]]
    emphasis: frozenset[str] = frozenset()
    """Labels of the rows printed in bold (totals)."""
    listing: bool = False
    """A list of records (text columns, one figure last) rather than a table of figures."""


@dataclass(frozen=True)
class Chart:
    title: str
    categories: list[str]
    series: list[tuple[str, list[Value]]]
    horizontal: bool = False
    compact: bool = False
    """Drawn lower: one of a run of similar charts (each QPV's trend)."""


@dataclass(frozen=True)
class Section:
    title: str
    sheet: str
    """A short name: the workbook's sheet (31 characters at most)."""
    blocks: list[Grid | Chart]


def _grid(table: ReportTable) -> Grid:
    rows = list(table.rows)
    if table.total is not None:
        rows.append(("Total", table.total))
    return Grid(
        table.title,
        ["", "Nombre"],
        [(label, [value]) for label, value in rows],
        emphasis=frozenset({"Total"}),
    )


def _chart(table: ReportTable, *, horizontal: bool) -> Chart:
    return Chart(
        table.title,
        [label for label, _ in table.rows],
        [("Nombre", [value for _, value in table.rows])],
        horizontal=horizontal,
    )


# The dashboard's weekly tables get a chart along the weeks; the others but the key
# figures (counts and delays mixed) a bar beside each row.
_WEEKLY = frozenset({"Contacts par semaine", "Actions de terrain par semaine"})
_KEY_FIGURES = "Chiffres clés"


def dashboard_section(report: QuarterlyReport, *, today: dt.date) -> Section:
    blocks: list[Grid | Chart] = []
    for table in report_tables(report.cite, today=today):
        blocks.append(_grid(table))
        if table.title in _WEEKLY:
            chart = _chart(table, horizontal=False)
            # "Semaine du 06/01/2025" → "06/01": thirteen of them side by side.
            short = [label.removeprefix("Semaine du ")[:5] for label in chart.categories]
            blocks.append(Chart(f"{chart.title} (lundi)", short, chart.series))
        elif table.title != _KEY_FIGURES:
            blocks.append(_chart(table, horizontal=True))
    return Section("Tableau de bord de la cité", "Tableau de bord", blocks)


def _partner_rows(figures: list[AreaFigures | None]) -> list[tuple[str, list[Value]]]:
    """Orientations by partner, each quarter a table with its total (secondary
    suppression inside each quarter's column)."""
    found: dict[str, str] = {}
    for f in figures:
        for c in f.orientations_by_partner if f else []:
            found.setdefault(c.key, c.label)
    partners = dict(sorted(found.items(), key=lambda item: (item[1], item[0])))  # by name
    columns: list[list[Value]] = []
    for f in figures:
        if f is None:
            columns.append([None] * (len(partners) + 1))
            continue
        by_key = {c.key: c.value for c in f.orientations_by_partner}
        protected = protect_table([by_key.get(k, 0) for k in partners], with_total=True)
        columns.append([protected.total, *protected.cells])
    labels = [ORIENTATIONS_LABEL] + [PARTNER_PREFIX + name for name in partners.values()]
    return [(label, [col[i] for col in columns]) for i, label in enumerate(labels)]


AREA_FIGURES = (
    ("Actions de terrain", "actions"),
    ("Contacts", "contacts"),
    ("Personnes rencontrées", "people_met"),
    ("Personnes suivies", "persons_followed"),
)


def area_grid(area: AreaTrend, quarters: list[str]) -> Grid:
    def row(label: str, name: str) -> tuple[str, list[Value]]:
        return label, [
            None if f is None else protect_count(getattr(f, name)) for f in area.quarters
        ]

    rows = [row(label, name) for label, name in AREA_FIGURES]
    rows += _partner_rows(area.quarters)
    rows.append(row("Sorties", "exits"))
    title = area.name if area.code is None else f"QPV {area.name} ({area.code})"
    return Grid(title, ["", *quarters], rows, emphasis=frozenset({ORIENTATIONS_LABEL}))


def trend_chart(grid: Grid, *, compact: bool = False) -> Chart:
    shown = {"Contacts", "Personnes rencontrées", "Personnes suivies", ORIENTATIONS_LABEL}
    return Chart(
        f"Évolution sur l'année : {grid.title}",
        grid.columns[1:],
        [(label, values) for label, values in grid.rows if label in shown],
        compact=compact,
    )


def areas_section(report: QuarterlyReport) -> Section:
    quarters = [q.label for q in report.quarters]
    blocks: list[Grid | Chart] = []
    for area in report.areas:
        grid = area_grid(area, quarters)
        blocks += [grid, trend_chart(grid, compact=area.code is not None)]
    return Section("Par quartier prioritaire, trimestre par trimestre", "Par QPV", blocks)


ACTION_COLUMNS = ["Date", "Type", "Lieu", "QPV", "Partenaires présents", "Contacts"]


def action_contacts(report: QuarterlyReport) -> list[Cell]:
    """Each action's contacts, protected within the actions of its type: the dashboard
    shows each type's total, from which a lone hidden action could be recomputed."""
    cells: list[Cell] = [0] * len(report.actions)
    by_type: dict[str, list[int]] = {}
    for i, action in enumerate(report.actions):
        by_type.setdefault(action.type_label, []).append(i)
    for indices in by_type.values():
        protected = protect_table([report.actions[i].contacts for i in indices], with_total=True)
        for i, cell in zip(indices, protected.cells, strict=True):
            cells[i] = cell
    return cells


def actions_section(report: QuarterlyReport) -> Section:
    rows: list[tuple[str, list[Value]]] = [
        (f"{a.day:%d/%m/%Y}", [a.type_label, a.place, a.qpv, ", ".join(a.partners), contacts])
        for a, contacts in zip(report.actions, action_contacts(report), strict=True)
    ]
    title = f"Actions de terrain du trimestre ({len(rows)})"
    return Section(
        "Actions de terrain",
        "Actions de terrain",
        [Grid(title, ACTION_COLUMNS, rows, listing=True)],
    )


def outcomes_section(report: QuarterlyReport) -> Section:
    ind = report.cite
    outcomes = [c for c in ind.orientations_by_outcome or [] if c.key != "unknown"]
    waiting = sum(c.value for c in ind.orientations_by_outcome or [] if c.key == "unknown")
    counts = [*outcomes, Count("unknown", "Pas encore de suite connue", waiting)]
    protected = protect_table([c.value for c in counts], with_total=True)
    table = ReportTable(
        "Suites des orientations du trimestre, selon les partenaires",
        [(c.label, cell) for c, cell in zip(counts, protected.cells, strict=True)],
        protected.total,
    )
    answers = ReportTable(
        "Réponses des partenaires",
        [
            ("Orientations du trimestre", protect_count(ind.orientations)),
            ("Orientations ayant reçu une réponse", protect_count(ind.orientations_answered)),
            ("Rendez-vous honorés", protect_count(ind.appointments_attended)),
        ],
    )
    return Section(
        "Suites données par les partenaires",
        "Suites des orientations",
        [_grid(answers), _grid(table), _chart(table, horizontal=True)],
    )


def quarterly_sections(report: QuarterlyReport, *, today: dt.date) -> list[Section]:
    return [
        areas_section(report),
        actions_section(report),
        outcomes_section(report),
        dashboard_section(report, today=today),
    ]
