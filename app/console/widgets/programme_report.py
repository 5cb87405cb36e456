"""Console: the card that downloads the programme's quarterly report (PDF or Excel).

The report covers a calendar quarter: the one chosen in the exports' period picker,
or, for a custom period, the quarter it starts in. It is always the whole cité (one
table per QPV inside), so the QPV filter does not apply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from app.console.state.insight_state import ExportsState, report_quarter
from app.ui.widgets import PRIMARY

FORMATS = (("pdf", "PDF"), ("xlsx", "Excel"))


def programme_report_card(
    state: ExportsState, save: Callable[[str, bytes], Awaitable[bool]]
) -> ft.Control:
    quarter = report_quarter(state.current)

    def button(fmt: str, label: str) -> ft.Control:
        async def run(_: ft.Event[ft.Button]) -> None:
            await state.programme_report(fmt, save)

        running = state.fetching == f"programme-{fmt}"
        return ft.FilledButton(
            "Génération…" if running else label,
            key=f"export-programme-{fmt}",
            disabled=bool(state.fetching),
            on_click=run,
        )

    return ft.Container(
        content=ft.Column(
            [
                ft.Text("Rapport du programme", size=17, weight=ft.FontWeight.BOLD, color=PRIMARY),
                ft.Text(
                    f"{quarter.label}, toute la cité : un tableau par QPV avec l'évolution "
                    "sur l'année, les actions de terrain, les suites données par les "
                    "partenaires et le tableau de bord avec ses graphiques. Le PDF (A4) est "
                    "prêt pour le comité de pilotage.",
                    size=14,
                    height=120,
                ),
                ft.Row(
                    [
                        *[button(fmt, f"Télécharger ({name})") for fmt, name in FORMATS],
                        ft.ProgressRing(width=22, height=22)
                        if state.fetching.startswith("programme-")
                        else ft.Container(),
                    ],
                    spacing=8,
                    wrap=True,
                ),
            ],
            spacing=10,
        ),
        border=ft.Border.all(1, ft.Colors.GREY_300),
        border_radius=12,
        padding=16,
        width=400,
    )
