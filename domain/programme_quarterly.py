"""The programme's quarterly report: several cités side by side and together.

Built from each cité's `QuarterlyReport` (`domain.quarterly`, partners named by their
kind so the cités' structures line up) and the quarter's programme tables
(`domain.programme`). Aggregated only, under the same secrecy as the programme view:
every line that adds up across cités (a cité's figure with the « Ensemble ») goes
through `domain.disclosure.protect_grid`, so a cité's hidden figure cannot be
recomputed from the consolidated one. The actions list leaves out the place, which a
mediator types freely; no figure of a single QPV is given, since a cité with one QPV
would show there the figure its column hides.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.disclosure import protect_grid
from domain.programme import TOTAL_LABEL, ProgrammeTable
from domain.quarterly import QuarterlyReport
from domain.quarterly_report import Chart, Grid, Section, Value, action_contacts

SUITES = "Suites données aux orientations"
TREND_FIGURES = (
    ("Actions de terrain", "actions"),
    ("Contacts", "contacts"),
    ("Personnes rencontrées", "people_met"),
    ("Personnes suivies", "persons_followed"),
    ("Orientations", "orientations"),
    ("Sorties", "exits"),
)
_CHARTED = ("Contacts", "Personnes rencontrées", "Personnes suivies", "Orientations")
ACTION_COLUMNS = ["Date", "Type", "QPV", "Partenaires présents", "Contacts"]


def table_grid(table: ProgrammeTable, cites: Sequence[str]) -> Grid:
    rows: list[tuple[str, list[Value]]] = [(r.label, list(r.cells)) for r in table.rows]
    if table.total is not None:
        rows.append((table.total.label, list(table.total.cells)))
    return Grid(table.title, ["", *cites, TOTAL_LABEL], rows, emphasis=frozenset({"Total"}))


def trend_grid(
    label: str, name: str, cites: Sequence[str], reports: Sequence[QuarterlyReport]
) -> Grid:
    """One figure over the year's quarters: a row per quarter, a column per cité and
    « Ensemble »; a quarter not reported yet is empty."""
    quarters = reports[0].quarters if reports else []
    rows: list[tuple[str, list[Value]]] = []
    for q, quarter in enumerate(quarters):
        figures = [r.areas[0].quarters[q] for r in reports]
        if any(f is None for f in figures):
            rows.append((quarter.label, [None] * (len(reports) + 1)))
            continue
        [cells] = protect_grid([[getattr(f, name) for f in figures]], with_total_row=False)
        rows.append((quarter.label, list(cells)))
    return Grid(label, ["", *cites, TOTAL_LABEL], rows)


def trend_section(cites: Sequence[str], reports: Sequence[QuarterlyReport]) -> Section:
    grids = [trend_grid(label, name, cites, reports) for label, name in TREND_FIGURES]
    chart = Chart(
        f"Évolution sur l'année : {TOTAL_LABEL.lower()} des cités",
        [label for label, _ in grids[0].rows],
        [(g.title, [values[-1] for _, values in g.rows]) for g in grids if g.title in _CHARTED],
    )
    return Section("Évolution sur l'année, trimestre par trimestre", "Évolution", [*grids, chart])


def actions_grid(cite: str, report: QuarterlyReport) -> Grid:
    rows: list[tuple[str, list[Value]]] = [
        (f"{a.day:%d/%m/%Y}", [a.type_label, a.qpv, ", ".join(a.partners), contacts])
        for a, contacts in zip(report.actions, action_contacts(report), strict=True)
    ]
    return Grid(f"{cite} : actions de terrain ({len(rows)})", ACTION_COLUMNS, rows, listing=True)


def programme_quarterly_sections(
    cites: Sequence[str], tables: Sequence[ProgrammeTable], reports: Sequence[QuarterlyReport]
) -> list[Section]:
    """`cites` the names in display order, `tables` the quarter's programme tables,
    `reports` each cité's quarterly report in the same order."""
    quarter = [table_grid(t, cites) for t in tables if t.title != SUITES]
    suites = [table_grid(t, cites) for t in tables if t.title == SUITES]
    answers = [
        (label, cells)
        for label, cells in quarter[0].rows
        if label in ("Orientations", "Orientations ayant reçu une réponse", "Rendez-vous honorés")
    ]
    answered = Grid("Réponses des partenaires", quarter[0].columns, answers)
    return [
        Section("Le trimestre, cité par cité et ensemble", "Trimestre", [*quarter]),
        trend_section(cites, reports),
        Section("Suites données par les partenaires", "Suites", [answered, *suites]),
        Section(
            "Actions de terrain du trimestre",
            "Actions de terrain",
            [actions_grid(name, r) for name, r in zip(cites, reports, strict=True)],
        ),
    ]
