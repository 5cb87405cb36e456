"""Small desktop widgets shared by the console's review sections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.ui.format import day, day_time
from app.ui.widgets import PRIMARY, banner


def act(fn: Callable[..., Awaitable[Any]], *args: Any) -> Callable[[Any], Awaitable[None]]:
    """An async event handler calling `fn(*args)`: Flet awaits handlers that are
    coroutine functions, not the coroutine a plain lambda returns."""

    async def handler(_event: Any = None) -> None:
        await fn(*args)

    return handler


def toggler(fn: Callable[..., Awaitable[Any]], *args: Any) -> Callable[[str], None]:
    """A sync `on_toggle(value)` (for choice_chips) that schedules `fn(*args, value)`."""

    def toggle(value: str) -> None:
        ft.context.page.run_task(fn, *args, value)

    return toggle


def when(iso: str | None, *, with_time: bool = True) -> str:
    return day_time(iso) if with_time else day(iso)


LOADING = "Chargement en cours…"


def status_lines(busy: bool, error: str | None, notice: str | None) -> list[ft.Control]:
    """Progress while loading, then the error or the confirmation, if any."""
    out: list[ft.Control] = []
    if busy:
        # The words too: the bar alone is not in the semantics tree a screen reader reads.
        out.append(ft.ProgressBar(color=PRIMARY, semantics_label="Chargement en cours"))
        out.append(ft.Text(LOADING, size=13, key="loading"))
    if error:
        out.append(banner(error, error=True))
    elif notice:
        out.append(banner(notice))
    return out


def title(text: str, *extra: ft.Control) -> ft.Control:
    return ft.Row(
        [ft.Text(text, size=22, weight=ft.FontWeight.BOLD), ft.Row(list(extra))],
        alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
    )


def card(*controls: ft.Control, width: float | None = None, expand: bool = False) -> ft.Control:
    return ft.Container(
        content=ft.Column(list(controls), spacing=8),
        padding=16,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=10,
        width=width,
        expand=expand,
    )


def pager(
    page: int, total: int, size: int, goto: Callable[[int], Awaitable[Any]], key: str
) -> ft.Control:
    pages = max(1, -(-total // size))
    return ft.Row(
        [
            ft.OutlinedButton(
                "Précédent",
                key=f"{key}-prev",
                disabled=page <= 1,
                on_click=act(goto, page - 1),
            ),
            ft.Text(f"Page {page} / {pages} · {total} résultat(s)"),
            ft.OutlinedButton(
                "Suivant",
                key=f"{key}-next",
                disabled=page >= pages,
                on_click=act(goto, page + 1),
            ),
        ],
        alignment=ft.MainAxisAlignment.END,
    )


def label_value(label: str, value: str) -> ft.Control:
    return ft.Row(
        [
            ft.Text(label, size=13, color=ft.Colors.ON_SURFACE_VARIANT, width=130),
            ft.Text(value or "—", size=14, expand=True, selectable=True),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
