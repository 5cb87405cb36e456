"""Console: the synced contacts of the cité, newest first, paginated on the server."""

from __future__ import annotations

import flet as ft

from app.console.context import use_section
from app.console.state.review_state import ContactsState
from app.console.widgets.review_widgets import contact_event, contact_person, pager, status_lines
from app.ui.format import day_time
from app.ui.handlers import handler
from app.ui.widgets import choice_chips
from domain.api.console import ConsoleContact
from domain.vocabulary import ReviewState


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,") + "…"


def _row(item: ConsoleContact) -> ft.DataRow:
    cells = [
        day_time(item.occurred_at),
        item.mediator_name or "",
        contact_event(item, 48),
        contact_person(item),
        item.channel_label or "",
        _short(", ".join(item.freins_labels), 26),
        item.review_state_label or "",
    ]
    return ft.DataRow(cells=[ft.DataCell(ft.Text(str(c), size=14)) for c in cells])


COLUMNS = ["Date", "Médiateur", "Action de terrain", "Personne", "Canal", "Freins", "État"]


@ft.component
def ConsoleContactsScreen() -> ft.Control:
    state = use_section(ContactsState)
    ft.on_mounted(state.load)

    async def goto(page: int) -> None:
        await state.load(page)

    async def filter_state(value: str) -> None:
        await state.set_review_filter(value)

    table = ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in COLUMNS],
        rows=[_row(i) for i in state.items],
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
    body: list[ft.Control] = [toolbar, *status_lines(state.busy, state.error, None)]
    if not state.items and not state.busy:
        body.append(ft.Text("Aucun contact pour ces critères.", size=16))
    body += [
        ft.Row([table], scroll=ft.ScrollMode.AUTO),
        pager(state.page, state.total, state.page_size, state.load, "page"),
    ]
    return ft.Column(body, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)
