"""Small desktop widgets shared by the console's review sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import flet as ft

from app.console.state.console_state import ConsoleState
from app.console.state.section import LoadedSection
from app.ui.format import day, day_time
from app.ui.widgets import PRIMARY, banner, text_field
from domain.api.console import ConsoleContact
from domain.sync import LoginResponse
from domain.vocabulary import Role


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


def when(iso: str | dt.date | None, *, with_time: bool = True) -> str:
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


def contact_person(item: ConsoleContact) -> str:
    """Who the contact was with: the person's name, or « Anonyme · <âge> »."""
    if item.person is not None:
        return item.person.display_name
    return f"Anonyme · {item.age_band_label or 'âge non renseigné'}"


def contact_event(item: ConsoleContact, limit: int = 34) -> str:
    """« Pied d'immeuble · Les Tilleuls », cut to `limit` characters; « — » without one."""
    event = item.event
    if event is None:
        return "—"
    text = f"{event.type_label or ''} · {event.place or ''}".strip(" ·")
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,") + "…"


def open_link(text: str, *, name: str, key: str, on_click: Callable[..., Any]) -> ft.Control:
    """A text link whose accessible name says what it opens (`name`): a table of
    « Ouvrir » links reads as many different buttons, not the same one many times."""
    return ft.Semantics(
        label=name,
        button=True,
        # Its own node: inside a table cell it would be merged into the cell's.
        container=True,
        content=ft.Container(
            content=ft.Text(text, color=PRIMARY, weight=ft.FontWeight.W_600),
            key=key,
            on_click=on_click,
            ink=True,
            padding=ft.Padding.symmetric(horizontal=12, vertical=12),
            border_radius=20,
        ),
    )


def distinct(names: list[str]) -> list[str]:
    """The names, a repeated one numbered (« …, 2 ») so that no two are the same."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}, {seen[name]}")
    return out


def section_page(
    state: LoadedSection,
    heading: str,
    intro: str,
    cards: list[ft.Control],
    *,
    key: str,
    empty: str,
    after: Sequence[ft.Control] = (),
) -> ft.Control:
    """A section read whole (`state.load`): its title with « Actualiser », what it is
    for, its status, its cards or, once read, `empty` (« Aucun … »), then `after`."""
    button = ft.OutlinedButton(
        "Actualiser", icon=ft.Icons.REFRESH, key=f"{key}-refresh", on_click=act(state.load)
    )
    body = [
        title(heading, button),
        ft.Text(intro, size=14),
        *status_lines(state.busy, state.error, state.notice),
        *([ft.Text(empty, size=16)] if state.loaded and not cards else []),
        *cards,
        *after,
    ]
    return ft.Column(body, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)


def signed_in_page(
    console: ConsoleState,
    title_text: str,
    body: Callable[[LoginResponse], ft.Control],
    *,
    wrap: bool = False,
    **column: Any,
) -> ft.Control:
    """The console once signed in: the title bar (who, as what, « Se déconnecter »)
    over `body(login)`; `column`: more of the page's Column settings."""
    login = console.login
    if login is None:  # signed out: ConsoleHome shows the login screen instead
        return ft.Container()
    who = f"{login.user.display_name} · {Role(login.user.role).label}"
    return ft.Column(
        [title_bar(title_text, who, console.sign_out, wrap=wrap), body(login)],
        spacing=0,
        expand=True,
        **column,
    )


def title_bar(title_text: str, who: str, sign_out: Callable[[], Any], *, wrap: bool) -> ft.Control:
    """The console's top bar: its title, who is signed in, « Se déconnecter ». `wrap`: at
    phone width (a partner's console) the parts go onto two lines rather than overflow."""
    return ft.Container(
        content=ft.Row(
            [
                ft.Text(
                    title_text,
                    size=20 if wrap else 22,
                    weight=ft.FontWeight.BOLD,
                    color=ft.Colors.WHITE,
                ),
                ft.Row(
                    [
                        ft.Text(who, color=ft.Colors.WHITE),
                        ft.TextButton(
                            "Se déconnecter",
                            key="console-logout",
                            on_click=lambda _: sign_out(),
                            style=ft.ButtonStyle(color=ft.Colors.WHITE),
                        ),
                    ],
                    wrap=wrap,
                ),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            wrap=wrap,
        ),
        bgcolor=PRIMARY,
        padding=ft.Padding.symmetric(horizontal=16 if wrap else 24, vertical=12 if wrap else 14),
    )


def panel(
    title: str,
    *controls: ft.Control,
    width: float | None = None,
    expand: bool | int | None = None,
) -> ft.Control:
    """A titled box with a thin border, the console's way of grouping a form or a chart."""
    return ft.Container(
        content=ft.Column(
            [ft.Text(title, size=16, weight=ft.FontWeight.BOLD, color=PRIMARY), *controls],
            spacing=10,
        ),
        border=ft.Border.all(1, ft.Colors.GREY_300),
        border_radius=12,
        padding=16,
        width=width,
        expand=expand,
    )


def dense_field(
    label: str,
    value: str,
    on_change: Callable[[str], Any],
    *,
    key: str,
    width: float | None = None,
    password: bool = False,
) -> ft.Control:
    """A compact text field of a console form (no width: it takes the room left)."""
    return text_field(
        label,
        value,
        on_change,
        key=key,
        text_size=None,
        dense=True,
        width=width,
        expand=width is None,
        password=password,
    )
