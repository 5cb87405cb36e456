"""Console: the synced contacts of the cité, newest first, paginated on the server."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.console.context import use_console
from app.ui.format import day_time
from app.ui.handlers import handler
from app.ui.widgets import banner, choice_chips
from domain.vocabulary import ReviewState


def _person(item: dict[str, Any]) -> str:
    person = item.get("person")
    if person:
        return str(person.get("display_name", ""))
    band = item.get("age_band_label") or "âge non renseigné"
    return f"Anonyme · {band}"


def _event(item: dict[str, Any]) -> str:
    event = item.get("event")
    if not event:
        return "—"
    place = event.get("place") or ""
    return f"{event.get('type_label', '')} {('· ' + place) if place else ''}".strip()


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,") + "…"


def _row(item: dict[str, Any]) -> ft.DataRow:
    cells = [
        day_time(item.get("occurred_at")),
        item.get("mediator_name", ""),
        _short(_event(item), 48),
        _person(item),
        item.get("channel_label", ""),
        _short(", ".join(item.get("freins_labels") or []), 26),
        item.get("review_state_label", ""),
    ]
    return ft.DataRow(cells=[ft.DataCell(ft.Text(str(c), size=14)) for c in cells])


COLUMNS = ["Date", "Médiateur", "Action de terrain", "Personne", "Canal", "Freins", "État"]


@ft.component
def ConsoleContactsScreen() -> ft.Control:
    state = use_console()
    pages = max(1, math.ceil(state.total / state.page_size))

    async def goto(page: int) -> None:
        await state.load_contacts(page)

    async def filter_state(value: str) -> None:
        await state.set_review_filter("" if value == state.review_filter else value)

    table = ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in COLUMNS],
        rows=[_row(i) for i in state.contacts],
        column_spacing=24,
        expand=True,
    )
    toolbar = ft.Row(
        [
            ft.Text(f"Contacts remontés ({state.total})", size=20, weight=ft.FontWeight.BOLD),
            ft.Row(
                [
                    ft.Text("État :"),
                    choice_chips(
                        ReviewState.choices(),
                        state.review_filter,
                        filter_state,
                        key_prefix="filter-state",
                    ),
                    ft.OutlinedButton(
                        "Actualiser",
                        icon=ft.Icons.REFRESH,
                        key="console-refresh",
                        on_click=handler(goto, state.page),
                    ),
                ]
            ),
        ],
        alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
    )
    pager = _pager(state.page, pages, goto)
    body: list[ft.Control] = [toolbar]
    if state.error:
        body.append(banner(state.error, error=True))
    if not state.contacts and not state.busy:
        body.append(ft.Text("Aucun contact pour ces critères.", size=16))
    body += [ft.Row([table], scroll=ft.ScrollMode.AUTO), pager]
    return ft.Column(body, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)


def _pager(page: int, pages: int, goto: Callable[[int], Awaitable[None]]) -> ft.Control:
    return ft.Row(
        [
            ft.OutlinedButton(
                "Précédent",
                key="page-prev",
                disabled=page <= 1,
                on_click=handler(goto, page - 1),
            ),
            ft.Text(f"Page {page} / {pages}"),
            ft.OutlinedButton(
                "Suivant",
                key="page-next",
                disabled=page >= pages,
                on_click=handler(goto, page + 1),
            ),
        ],
        alignment=ft.MainAxisAlignment.END,
    )
