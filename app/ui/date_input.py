"""A date typed as JJ/MM/AAAA or picked in a calendar: for the console's periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import flet as ft

from app.ui.format import parse_day

FIRST_DAY = dt.date(2020, 1, 1)


def date_input(
    label: str,
    value: str,
    on_change: Callable[[str], Any],
    *,
    key: str,
    width: float = 150,
) -> ft.Control:
    """A text field and, beside it, a calendar button opening Flutter's date picker in
    the page's locale (French); the day picked is written in the field as JJ/MM/AAAA."""

    def picked(e: ft.Event[ft.DatePicker]) -> None:
        chosen = e.control.value
        if isinstance(chosen, dt.datetime | dt.date):
            on_change(f"{chosen:%d/%m/%Y}")

    def open_calendar(_: ft.Event[Any]) -> None:
        last = dt.date.today() + dt.timedelta(days=366)
        shown = parse_day(value) or dt.date.today()
        ft.context.page.show_dialog(
            ft.DatePicker(
                value=dt.datetime.combine(min(max(shown, FIRST_DAY), last), dt.time()),
                first_date=dt.datetime.combine(FIRST_DAY, dt.time()),
                last_date=dt.datetime.combine(last, dt.time()),
                help_text=label.split(" (")[0],
                on_change=picked,
            )
        )

    return ft.Row(
        [
            ft.TextField(
                label=label,
                value=value,
                width=width,
                dense=True,
                key=key,
                on_change=lambda e: on_change(e.control.value),
            ),
            # One node, named: the icon button's own (nameless) node is left out.
            ft.Semantics(
                label=f"Calendrier : {label}",
                button=True,
                exclude_semantics=True,
                on_tap=open_calendar,
                content=ft.IconButton(
                    ft.Icons.CALENDAR_MONTH, key=f"{key}-calendar", on_click=open_calendar
                ),
            ),
        ],
        spacing=2,
        tight=True,
    )
