"""Period and QPV chips shared by the Indicateurs, Programme and Exports screens."""

from __future__ import annotations

import flet as ft

from app.console.state.insight_state import PeriodState
from app.ui.date_input import date_input
from app.ui.handlers import handler


def period_header(title: str, state: PeriodState) -> list[ft.Control]:
    """The section's title with a spinner while it loads, then its period picker."""
    return [
        ft.Row(
            [
                ft.Text(title, size=22, weight=ft.FontWeight.BOLD),
                ft.ProgressRing(width=22, height=22) if state.busy else ft.Container(),
            ],
            spacing=12,
        ),
        period_picker(state),
    ]


def period_picker(state: PeriodState) -> ft.Control:
    """A recent quarter, or dates typed or picked in a calendar; then a QPV, if any."""
    current = state.current
    # The dates typed (kept by the section's state), else the period's own.
    start, end = state.typed or (f"{current.start:%d/%m/%Y}", f"{current.end:%d/%m/%Y}")
    custom = current not in state.quarters
    period = ft.Row(
        [
            ft.Text("Période :", weight=ft.FontWeight.W_600, width=70),
            *[
                ft.Chip(
                    label=ft.Text(q.label, size=14),
                    selected=q == current,
                    on_select=handler(state.choose, q),
                    key=f"period-{q.slug}",
                )
                for q in state.quarters
            ],
            ft.VerticalDivider(width=16),
            date_input(
                "Du", start, lambda v: state.set_typed((v, end)), key="period-from", width=140
            ),
            date_input(
                "Au", end, lambda v: state.set_typed((start, v)), key="period-to", width=140
            ),
            ft.OutlinedButton(
                "Dates personnalisées" if not custom else "Dates personnalisées ✓",
                key="period-custom",
                on_click=handler(state.choose_custom, start, end),
            ),
        ],
        wrap=True,
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )
    return ft.Column([period, *([_qpv_row(state)] if state.qpvs else [])], spacing=8)


def _qpv_row(state: PeriodState) -> ft.Control:
    return ft.Row(
        [
            ft.Text("QPV :", weight=ft.FontWeight.W_600, width=70),
            ft.Chip(
                label=ft.Text("Tous", size=14),
                selected=not state.qpv,
                # Choosing the current one again clears it.
                on_select=handler(state.choose, None, state.qpv),
                key="qpv-all",
            ),
            *[
                ft.Chip(
                    label=ft.Text(q.name, size=14),
                    selected=q.code == state.qpv,
                    on_select=handler(state.choose, None, q.code),
                    key=f"qpv-{q.code}",
                )
                for q in state.qpvs
            ],
        ],
        wrap=True,
        spacing=8,
    )
