"""Period and QPV chips shared by the Indicateurs and Exports screens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from app.ui.date_input import date_input
from app.ui.handlers import handler
from domain.periods import Period
from domain.sync import QpvOut


@ft.component
def PeriodPicker(
    quarters: Sequence[Period],
    current: Period,
    on_quarter: Callable[[Period], Any],
    on_custom: Callable[[str, str], Any],
    typed: tuple[str, str] | None,
    on_typed: Callable[[tuple[str, str]], Any],
    qpvs: Sequence[QpvOut] = (),
    qpv: str = "",
    on_qpv: Callable[[str], Any] | None = None,
) -> ft.Control:
    # The dates typed (kept by the section's state), else the period's own.
    start, end = typed or (f"{current.start:%d/%m/%Y}", f"{current.end:%d/%m/%Y}")
    custom = current not in quarters
    rows: list[ft.Control] = [
        ft.Row(
            [
                ft.Text("Période :", weight=ft.FontWeight.W_600, width=70),
                *[
                    ft.Chip(
                        label=ft.Text(q.label, size=14),
                        selected=q == current,
                        on_select=handler(on_quarter, q),
                        key=f"period-{q.slug}",
                    )
                    for q in quarters
                ],
                ft.VerticalDivider(width=16),
                date_input("Du", start, lambda v: on_typed((v, end)), key="period-from", width=140),
                date_input("Au", end, lambda v: on_typed((start, v)), key="period-to", width=140),
                ft.OutlinedButton(
                    "Dates personnalisées" if not custom else "Dates personnalisées ✓",
                    key="period-custom",
                    on_click=handler(on_custom, start, end),
                ),
            ],
            wrap=True,
            spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )
    ]
    if qpvs and on_qpv is not None:
        rows.append(_qpv_row(qpvs, qpv, on_qpv))
    return ft.Column(rows, spacing=8)


def _qpv_row(qpvs: Sequence[QpvOut], qpv: str, on_qpv: Callable[[str], Any]) -> ft.Control:
    return ft.Row(
        [
            ft.Text("QPV :", weight=ft.FontWeight.W_600, width=70),
            ft.Chip(
                label=ft.Text("Tous", size=14),
                selected=not qpv,
                on_select=handler(on_qpv, qpv),  # toggling the current one clears it
                key="qpv-all",
            ),
            *[
                ft.Chip(
                    label=ft.Text(q.name, size=14),
                    selected=q.code == qpv,
                    on_select=handler(on_qpv, q.code),
                    key=f"qpv-{q.code}",
                )
                for q in qpvs
            ],
        ],
        wrap=True,
        spacing=8,
    )
