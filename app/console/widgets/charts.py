"""Charts of the console (flet-charts), each with its figures also written as text.

The canvas of a chart is invisible to screen readers and copy-paste: every chart
comes with a legend that states the numbers in French.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import flet as ft
import flet_charts as fch

from app.ui.format import day_month
from domain.api.insight import CountOut, WeekOut

PALETTE = [
    ft.Colors.INDIGO_600,
    ft.Colors.TEAL_500,
    ft.Colors.AMBER_700,
    ft.Colors.PINK_400,
    ft.Colors.BLUE_GREY_400,
    ft.Colors.DEEP_PURPLE_300,
]
CONTACTS_COLOR = ft.Colors.INDIGO_600
ACTIONS_COLOR = ft.Colors.AMBER_700


def _nice_step(value: float) -> int:
    """A round step (1, 2, 5, 10, 20, 50…) giving about four to six grid lines."""
    raw = max(1.0, value / 5)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)


def _nice_max(value: float) -> float:
    """The y axis top: the first multiple of the step strictly above the value."""
    step = _nice_step(value)
    return (math.floor(value / step) + 1) * step


def _y_axis(top: float) -> fch.ChartAxis:
    step = _nice_step(top * 5 / 6)
    labels = [
        fch.ChartAxisLabel(value=v, label=ft.Text(str(v), size=12))
        for v in range(0, int(top) + 1, step)
    ]
    return fch.ChartAxis(labels=labels, label_size=36, show_min=False, show_max=False)


def _grid(top: float) -> fch.ChartGridLines:
    return fch.ChartGridLines(interval=_nice_step(top * 5 / 6), color=ft.Colors.GREY_300, width=1)


def _rod(value: int, color: str, tooltip: str, *, width: float) -> fch.BarChartRod:
    return fch.BarChartRod(
        to_y=value, width=width, color=color, tooltip=tooltip, border_radius=2 if width < 20 else 3
    )


def legend(items: Sequence[tuple[str, Any]], *, colors: Sequence[str] = ()) -> ft.Control:
    return ft.Row(
        [
            ft.Row(
                [
                    ft.Container(width=12, height=12, bgcolor=colors[i], border_radius=3)
                    if i < len(colors)
                    else ft.Container(width=0),
                    ft.Text(f"{label} : {value}", size=13),
                ],
                spacing=6,
            )
            for i, (label, value) in enumerate(items)
        ],
        wrap=True,
        spacing=16,
        run_spacing=4,
    )


def weekly_chart(weeks: Sequence[WeekOut], *, height: float = 240) -> ft.Control:
    """Contacts and actions per week: two bars a week, week start dates below."""
    top = _nice_max(max([w.contacts for w in weeks] + [w.actions for w in weeks] + [1]))
    every = max(1, math.ceil(len(weeks) / 7))  # at most ~7 date labels: they stay legible
    groups = [
        fch.BarChartGroup(
            x=i,
            rods=[
                _rod(w.contacts, CONTACTS_COLOR, f"{w.contacts} contact(s)", width=10),
                _rod(w.actions, ACTIONS_COLOR, f"{w.actions} action(s)", width=10),
            ],
            spacing=2,
        )
        for i, w in enumerate(weeks)
    ]
    bottom = fch.ChartAxis(
        labels=[
            fch.ChartAxisLabel(
                value=i,
                label=ft.Text(day_month(w.week_start), size=12),
            )
            for i, w in enumerate(weeks)
            if i % every == 0
        ],
        label_size=28,
    )
    chart = fch.BarChart(
        groups=groups,
        left_axis=_y_axis(top),
        bottom_axis=bottom,
        horizontal_grid_lines=_grid(top),
        max_y=top,
        interactive=True,
        height=height,
        expand=True,
    )
    total_c = sum(w.contacts for w in weeks)
    total_a = sum(w.actions for w in weeks)
    return ft.Column(
        [
            chart,
            legend(
                [("Contacts", total_c), ("Actions de terrain", total_a)],
                colors=[CONTACTS_COLOR, ACTIONS_COLOR],
            ),
        ],
        spacing=8,
    )


def bar_chart(counts: Sequence[CountOut], *, height: float = 220) -> ft.Control:
    """Vertical bars, one per category, labels under each bar (short categories)."""
    shown = [c for c in counts if c.value]
    if not shown:
        return ft.Text("Aucune donnée sur la période.", italic=True, color=ft.Colors.GREY_700)
    top = _nice_max(max([c.value for c in shown] + [1]))
    chart = fch.BarChart(
        groups=[
            fch.BarChartGroup(
                x=i,
                rods=[_rod(c.value, PALETTE[i % len(PALETTE)], str(c.value), width=28)],
            )
            for i, c in enumerate(shown)
        ],
        left_axis=_y_axis(top),
        bottom_axis=fch.ChartAxis(
            # Two short lines under each bar: side by side, one-line labels ran into
            # each other in a half-width panel (« Moins de 26 ans26–49 ans »).
            labels=[
                fch.ChartAxisLabel(
                    value=i,
                    label=ft.Text(
                        _two_lines(_short(c.label, 24)),
                        size=12,
                        text_align=ft.TextAlign.CENTER,
                    ),
                )
                for i, c in enumerate(shown)
            ],
            label_size=40,
        ),
        horizontal_grid_lines=_grid(top),
        max_y=top,
        height=height,
        expand=True,
    )
    return chart


def horizontal_bars(
    counts: Sequence[CountOut],
    *,
    color: str = PALETTE[1],
    label_width: float = 250,
    bar_width: float = 260,
) -> ft.Control:
    """Long category names read best left of a horizontal bar (freins)."""
    shown = sorted((c for c in counts if c.value), key=lambda c: -c.value)
    if not shown:
        return ft.Text("Aucune donnée sur la période.", italic=True, color=ft.Colors.GREY_700)
    top = max(c.value for c in shown)
    return ft.Column(
        [
            ft.Row(
                [
                    ft.Text(c.label, size=13, width=label_width, text_align=ft.TextAlign.RIGHT),
                    ft.Container(
                        width=max(4, bar_width * c.value / top),
                        height=18,
                        bgcolor=color,
                        border_radius=3,
                    ),
                    ft.Text(str(c.value), size=13, weight=ft.FontWeight.W_600),
                ],
                spacing=10,
            )
            for c in shown
        ],
        spacing=6,
    )


def pie_chart(counts: Sequence[CountOut], *, size: float = 170) -> ft.Control:
    shown = [c for c in counts if c.value]
    total = sum(c.value for c in shown)
    if not total:
        return ft.Text("Aucune donnée sur la période.", italic=True, color=ft.Colors.GREY_700)
    chart = fch.PieChart(
        sections=[
            fch.PieChartSection(
                value=c.value,
                color=PALETTE[i % len(PALETTE)],
                radius=size / 2 - 20,
                title=f"{round(100 * c.value / total)} %",
                title_style=ft.TextStyle(size=12, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
            )
            for i, c in enumerate(shown)
        ],
        sections_space=1,
        center_space_radius=18,
        width=size,
        height=size,
    )
    return ft.Row(
        [
            chart,
            ft.Column(
                [
                    ft.Row(
                        [
                            ft.Container(
                                width=12,
                                height=12,
                                border_radius=3,
                                bgcolor=PALETTE[i % len(PALETTE)],
                            ),
                            # Expanded: a long label wraps instead of being cut.
                            ft.Text(f"{c.label} : {c.value}", size=13, expand=True),
                        ],
                        spacing=6,
                    )
                    for i, c in enumerate(shown)
                ],
                spacing=4,
                expand=True,
            ),
        ],
        spacing=16,
    )


def _two_lines(text: str) -> str:
    """« Moins de 26 ans » → « Moins de\n26 ans »: split at the space nearest the middle."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces or len(text) <= 9:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "\n" + text[cut + 1 :]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
