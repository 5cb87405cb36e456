"""Console: the review queue — filter, open a contact, validate / reject / send back."""

from __future__ import annotations

import flet as ft

from app.console.context import use_section
from app.console.state.review_state import ReviewQueue
from app.console.widgets.review_widgets import (
    act,
    card,
    contact_event,
    contact_person,
    distinct,
    label_value,
    open_link,
    pager,
    status_lines,
    title,
    toggler,
    when,
)
from app.ui.date_input import date_input
from app.ui.widgets import banner, choice_chips
from domain.api.console import ConsoleContact
from domain.api.review import HistoryEntry
from domain.vocabulary import ReviewState

# « Ouvrir » comes first: the open contact's panel lies over the right of the table,
# which keeps its width (a table narrowing under the pointer sends a click to the
# row below).
COLUMNS = ["", "", "Date", "Médiateur", "Personne", "Canal", "Action de terrain", "État"]
PANEL_WIDTH = 460
TITLE_HEIGHT = 56


def _open_name(item: ConsoleContact) -> str:
    return f"Ouvrir le contact du {when(item.occurred_at)} de {contact_person(item)}"


def _table(queue: ReviewQueue) -> ft.Control:
    selected = queue.selected.id if queue.selected else None
    names = distinct([_open_name(i) for i in queue.items])

    def row(item: ConsoleContact, name: str) -> ft.DataRow:
        cells: list[ft.Control] = [
            ft.Checkbox(
                value=item.id in queue.checked,
                key=f"check-{item.id}",
                semantics_label=name.replace("Ouvrir", "Sélectionner", 1),
                on_change=lambda _, cid=item.id: queue.toggle_check(cid),
            ),
            open_link("Ouvrir", name=name, key=f"open-{item.id}", on_click=act(queue.open, item)),
            ft.Text(when(item.occurred_at)),
            ft.Text(item.mediator_name or ""),
            ft.Text(contact_person(item)),
            ft.Text(item.channel_label or ""),
            ft.Text(contact_event(item)),
            ft.Text(item.review_state_label or ""),
        ]
        return ft.DataRow(cells=[ft.DataCell(c) for c in cells], selected=item.id == selected)

    return ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in COLUMNS],
        rows=[row(i, n) for i, n in zip(queue.items, names, strict=True)],
        column_spacing=18,
        data_row_max_height=52,
    )


def _chips_row(label: str, chips: ft.Control) -> ft.Control:
    return ft.Row([ft.Text(label, width=90, weight=ft.FontWeight.W_600), chips])


def _filter_chips(
    queue: ReviewQueue, label: str, name: str, key: str, choices: list[tuple[str, str]]
) -> ft.Control:
    chips = choice_chips(
        choices,
        queue.filters.get(name, ""),
        toggler(queue.toggle_filter, name),
        key_prefix=f"review-{key}",
    )
    return _chips_row(label, chips)


def _period_row(queue: ReviewQueue) -> ft.Control:
    start, end = queue.dates

    def set_start(value: str) -> None:
        queue.dates = (value, queue.dates[1])

    def set_end(value: str) -> None:
        queue.dates = (queue.dates[0], value)

    return ft.Row(
        [
            ft.Text("Période", width=90, weight=ft.FontWeight.W_600),
            date_input("Du (JJ/MM/AAAA)", start, set_start, key="review-from", width=180),
            date_input("Au (JJ/MM/AAAA)", end, set_end, key="review-to", width=180),
            ft.OutlinedButton(
                "Appliquer la période",
                key="review-dates",
                on_click=act(queue.set_dates, start, end),
            ),
        ],
        wrap=True,
    )


def _filters(queue: ReviewQueue) -> ft.Control:
    return card(
        _filter_chips(queue, "État", "review_state", "state", ReviewState.choices()),
        _filter_chips(queue, "Médiateur", "mediator_id", "mediator", queue.members),
        _filter_chips(queue, "QPV", "qpv", "qpv", queue.qpvs),
        _period_row(queue),
    )


def _history(entries: list[HistoryEntry]) -> list[ft.Control]:
    return [
        ft.Column(
            [
                ft.Text(
                    f"{when(h.at)} · {h.author_name} · {h.outcome_label}",
                    size=13,
                    weight=ft.FontWeight.W_600,
                ),
                ft.Text("; ".join(f"{c.label} : {c.value_label}" for c in h.changes), size=13),
            ],
            spacing=2,
        )
        for h in reversed(entries)
    ] or [ft.Text("Chargement de l'historique…", size=13)]


def _decisions(queue: ReviewQueue, item: ConsoleContact) -> list[ft.Control]:
    bulk: list[ft.Control] = []
    if item.event is not None:
        bulk.append(
            ft.OutlinedButton(
                "Valider tous les contacts reçus de cette action",
                key="review-validate-event",
                icon=ft.Icons.DONE_ALL,
                on_click=act(queue.validate_many, item.event),
            )
        )

    def typed(e: ft.Event[ft.TextField]) -> None:
        queue.comment = e.control.value

    return [
        *bulk,
        ft.TextField(
            label="Commentaire pour le médiateur",
            key="review-comment",
            value=queue.comment,
            width=400,
            multiline=True,
            min_lines=2,
            max_length=280,
            on_change=typed,
        ),
        ft.Row(
            [
                ft.FilledButton(
                    "Valider", key="review-validate", on_click=act(queue.decide, "validated")
                ),
                ft.OutlinedButton(
                    "À corriger", key="review-to-fix", on_click=act(queue.decide, "to_fix")
                ),
                ft.OutlinedButton(
                    "Rejeter", key="review-reject", on_click=act(queue.decide, "rejected")
                ),
            ],
            wrap=True,
        ),
    ]


def _panel(queue: ReviewQueue, item: ConsoleContact) -> ft.Control:
    return card(
        ft.Row(
            [
                ft.Text(contact_person(item), size=18, weight=ft.FontWeight.BOLD, expand=True),
                ft.TextButton("Fermer", key="review-close", on_click=lambda _: queue.close()),
            ]
        ),
        ft.Text(f"Contact du {when(item.occurred_at)}", size=15),
        label_value("Médiateur", item.mediator_name or ""),
        label_value("Canal", item.channel_label or ""),
        label_value("Action de terrain", contact_event(item)),
        label_value("Freins", ", ".join(item.freins_labels)),
        label_value("Besoin", item.need or ""),
        label_value("Note", item.note or ""),
        label_value("État", item.review_state_label or ""),
        label_value("Commentaire", item.review_comment or ""),
        *_decisions(queue, item),
        ft.Divider(),
        ft.Text("Historique", weight=ft.FontWeight.BOLD),
        *_history(queue.history),
    )


def _bulk_bar(queue: ReviewQueue) -> list[ft.Control]:
    count = len(queue.checked)
    out: list[ft.Control] = [
        ft.Row(
            [
                ft.FilledButton(
                    f"Valider la sélection ({count})",
                    key="review-validate-checked",
                    icon=ft.Icons.DONE_ALL,
                    disabled=not count,
                    on_click=act(queue.validate_many),
                ),
                ft.Text("Cochez des contacts, ou ouvrez-en un pour valider toute son action.")
                if not count
                else ft.Container(),
            ],
            wrap=True,
        )
    ]
    if queue.undo:
        out.append(
            banner(
                queue.notice or f"{len(queue.undo)} contact(s) validé(s) d'un coup.",
                actions=[
                    ft.TextButton(
                        "Annuler",
                        key="review-undo",
                        on_click=act(queue.undo_last),
                        style=ft.ButtonStyle(color=ft.Colors.WHITE),
                    )
                ],
            )
        )
    return out


def _queue(queue: ReviewQueue) -> ft.Control:
    return ft.Column(
        [
            title(
                f"Revue des contacts ({queue.total})",
                ft.OutlinedButton(
                    "Actualiser",
                    icon=ft.Icons.REFRESH,
                    key="review-refresh",
                    on_click=act(queue.load),
                ),
            ),
            _filters(queue),
            # After a bulk validation its notice carries « Annuler » (in _bulk_bar).
            *status_lines(queue.busy, queue.error, None if queue.undo else queue.notice),
            *_bulk_bar(queue),
            ft.Row([_table(queue)], scroll=ft.ScrollMode.AUTO)
            if queue.items or queue.busy
            else ft.Text("Aucun contact pour ces critères.", size=16),
            pager(queue.page, queue.total, queue.page_size, queue.load, "review-page"),
        ],
        spacing=12,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


@ft.component
def ConsoleReviewScreen() -> ft.Control:
    queue = use_section(ReviewQueue)
    ft.on_mounted(queue.start)
    layers: list[ft.Control] = [_queue(queue)]
    if queue.selected is not None:
        # Over the queue rather than beside it: the queue keeps its width and layout.
        # Below the title, whose « Actualiser » stays within reach.
        layers.append(
            ft.Container(
                content=ft.Column([_panel(queue, queue.selected)], scroll=ft.ScrollMode.AUTO),
                bgcolor=ft.Colors.SURFACE,
                shadow=ft.BoxShadow(blur_radius=16, color=ft.Colors.with_opacity(0.25, "black")),
                border_radius=10,
                width=PANEL_WIDTH,
                right=0,
                top=TITLE_HEIGHT,
                bottom=0,
            )
        )
    return ft.Stack(layers, expand=True)
