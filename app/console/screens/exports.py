"""Console: download the quarterly report (XLSX/CSV, aggregates) or the contact list (CSV).

The file is fetched through the API, then handed to Flet's FilePicker, which in a
browser triggers the download (`app/console/widgets/download.py`).
"""

from __future__ import annotations

import flet as ft

from app.console.context import use_section
from app.console.state.insight_state import (
    EXPORTS,
    ExportKind,
    ExportsState,
)
from app.console.widgets.download import save_download
from app.console.widgets.period_picker import period_picker
from app.console.widgets.programme_report import programme_report_card
from app.ui.widgets import PRIMARY, banner
from domain.report import SUPPRESSION_NOTE

_DESCRIPTIONS = {
    "xlsx": "Chiffres agrégés de la période, prêts à transmettre aux financeurs.",
    "csv": "Les mêmes chiffres agrégés, une ligne par valeur (séparateur « ; »).",
    "contacts": (
        "Toute la cité, quel que soit le QPV choisi : une ligne par contact (date, canal, "
        "action, médiateur, "
        "identifiant pseudonyme, tranche d'âge, genre, freins, état). Aucun nom, "
        "téléphone ni note. Données personnelles : usage interne uniquement."
    ),
}


def _export_card(state: ExportsState, kind: ExportKind) -> ft.Control:
    running = state.fetching == kind.key

    async def run(_: ft.Event[ft.Button]) -> None:
        await state.export(kind, save_download)

    return ft.Container(
        content=ft.Column(
            [
                ft.Text(kind.label, size=17, weight=ft.FontWeight.BOLD, color=PRIMARY),
                ft.Text(_DESCRIPTIONS[kind.key], size=14, height=120),
                ft.Row(
                    [
                        ft.FilledButton(
                            "Génération…" if running else "Télécharger",
                            icon=ft.Icons.DOWNLOAD,
                            key=f"export-{kind.key}",
                            disabled=bool(state.fetching),
                            on_click=run,
                        ),
                        ft.ProgressRing(width=22, height=22) if running else ft.Container(),
                    ],
                    spacing=12,
                ),
            ],
            spacing=10,
        ),
        border=ft.Border.all(1, ft.Colors.GREY_300),
        border_radius=12,
        padding=16,
        width=400,
    )


@ft.component
def ConsoleExportsScreen() -> ft.Control:
    state = use_section(ExportsState)
    ft.on_mounted(state.load_qpvs)
    qpv_name = next((q.name for q in state.qpvs if q.code == state.qpv), state.qpv)
    title = f"Exports · {state.current.label}" + (f" · QPV {qpv_name}" if state.qpv else "")
    body: list[ft.Control] = [
        ft.Text(title, size=22, weight=ft.FontWeight.BOLD),
        period_picker(state),
    ]
    if state.error:
        body.append(banner(state.error, error=True))
    if state.notice:
        body.append(banner(state.notice))
    body += [
        ft.Row(
            [
                *[_export_card(state, k) for k in EXPORTS],
                programme_report_card(state, save_download),
            ],
            wrap=True,
            spacing=16,
            run_spacing=16,
        ),
        ft.Text(SUPPRESSION_NOTE, size=13, color=ft.Colors.GREY_800, width=1230),
    ]
    return ft.Column(body, spacing=16, scroll=ft.ScrollMode.AUTO, expand=True)
