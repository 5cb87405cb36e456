"""The console of a programme account (a préfecture or ANCT correspondent): its
cités' indicators side by side, with their total, for a quarter or chosen dates.
Aggregated only: counts of 1 to 4 read « <5 », the server never sends a name."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.console.context import use_console, use_first_load, use_section
from app.console.state.programme_state import ProgrammeState
from app.console.widgets.download import save_download
from app.console.widgets.period_picker import period_header
from app.console.widgets.review_widgets import signed_in_page
from app.ui.handlers import handler
from app.ui.widgets import PRIMARY, banner
from domain.api.programme import ProgrammeRowOut, ProgrammeTableOut


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value)


def _table(table: ProgrammeTableOut, cites: list[str], total_label: str) -> ft.Control:
    rows = [*table.rows, *([table.total] if table.total else [])]
    heading = ft.FontWeight.BOLD

    def row(r: ProgrammeRowOut, bold: bool) -> ft.DataRow:
        weight = heading if bold else None
        return ft.DataRow(
            cells=[ft.DataCell(ft.Text(r.label, weight=weight))]
            + [
                ft.DataCell(ft.Text(_cell(v), weight=heading if i == len(cites) else weight))
                for i, v in enumerate(r.cells)
            ]
        )

    return ft.Container(
        content=ft.Column(
            [
                ft.Text(table.title, size=16, weight=heading, color=PRIMARY),
                # Many cités make a wide table: it scrolls sideways, the page does not.
                ft.Row(
                    [
                        ft.DataTable(
                            columns=[ft.DataColumn(label=ft.Text(""))]
                            + [
                                ft.DataColumn(label=ft.Text(name, weight=heading), numeric=True)
                                for name in [*cites, total_label]
                            ],
                            rows=[row(r, r is table.total) for r in rows],
                            heading_row_height=40,
                            data_row_min_height=32,
                            data_row_max_height=40,
                            column_spacing=28,
                        ),
                    ],
                    scroll=ft.ScrollMode.AUTO,
                ),
            ],
            spacing=6,
        ),
        border=ft.Border.all(1, ft.Colors.GREY_300),
        border_radius=12,
        padding=16,
    )


def _buttons(state: ProgrammeState) -> ft.Control:
    """The side-by-side workbook, and the quarterly report of the quarter the period
    starts in."""
    buttons = [
        (
            "Télécharger le tableau (Excel)",
            "programme-xlsx",
            handler(state.download, save_download),
        ),
        (
            "Rapport trimestriel (PDF)",
            "programme-report-pdf",
            handler(state.download_report, save_download, "pdf"),
        ),
        (
            "Rapport trimestriel (Excel)",
            "programme-report-xlsx",
            handler(state.download_report, save_download, "xlsx"),
        ),
    ]
    return ft.Row(
        [
            ft.FilledButton(
                label, icon=ft.Icons.DOWNLOAD, key=key, disabled=state.busy, on_click=on_click
            )
            for label, key, on_click in buttons
        ],
        wrap=True,
    )


def _body(state: ProgrammeState) -> list[ft.Control]:
    data = state.data
    title = "Programme" + (f" · {data.period_label}" if data else "")
    body = period_header(title, state)
    if data and data.cites:
        body.append(_buttons(state))
    if state.error:
        body.append(banner(state.error, error=True))
    if state.notice:
        body.append(banner(state.notice))
    if data:
        cites = [c.name for c in data.cites]
        body.append(
            ft.Text(
                f"{len(cites)} cité(s) côte à côte, puis leur ensemble. {data.note}",
                size=13,
                color=ft.Colors.ON_SURFACE_VARIANT,
            )
        )
        if not cites:
            body.append(
                ft.Text("Aucune cité n'est rattachée à ce compte : voyez l'administrateur.")
            )
        else:
            body += [_table(t, cites, data.total_label) for t in data.tables]
    elif state.busy:
        body.append(ft.Text("Calcul des indicateurs…"))
    return body


@ft.component
def ProgrammeHome() -> ft.Control:
    state = use_section(ProgrammeState)
    use_first_load(state.reload, needed=lambda: state.data is None)
    return signed_in_page(
        use_console(),
        "Relais · Programme",
        lambda _login: ft.Container(content=ft.Column(_body(state), spacing=16), padding=24),
        scroll=ft.ScrollMode.AUTO,
    )
