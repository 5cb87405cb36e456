"""Console: the review queue — filter, open a contact, validate / reject / send back."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.console.context import use_console
from app.console.state.insight_state import kept_state
from app.console.state.review_state import ReviewQueue
from app.console.widgets.review_widgets import (
    act,
    card,
    label_value,
    pager,
    status_lines,
    title,
    toggler,
    when,
)
from app.ui.widgets import banner, choice_chips
from domain.vocabulary import ReviewState

COLUMNS = ["", "Date", "Médiateur", "Personne", "Canal", "Action de terrain", "État", ""]


def _person(item: dict[str, Any]) -> str:
    person = item.get("person")
    if person:
        return str(person["display_name"])
    return f"Anonyme · {item.get('age_band_label') or 'âge non renseigné'}"


def _event(item: dict[str, Any]) -> str:
    event = item.get("event")
    if not event:
        return "—"
    text = f"{event.get('type_label') or ''} · {event.get('place') or ''}".strip(" ·")
    return text if len(text) <= 34 else text[:33] + "…"


def _table(queue: ReviewQueue) -> ft.Control:
    selected = (queue.selected or {}).get("id")

    def row(item: dict[str, Any]) -> ft.DataRow:
        cells: list[ft.Control] = [
            ft.Checkbox(
                value=item["id"] in queue.checked,
                key=f"check-{item['id']}",
                semantics_label=f"Sélectionner le contact du {when(item.get('occurred_at'))}",
                on_change=lambda _, cid=item["id"]: queue.toggle_check(cid),
            ),
            ft.Text(when(item.get("occurred_at"))),
            ft.Text(item.get("mediator_name") or ""),
            ft.Text(_person(item)),
            ft.Text(item.get("channel_label") or ""),
            ft.Text(_event(item)),
            ft.Text(item.get("review_state_label") or ""),
            ft.TextButton("Ouvrir", key=f"open-{item['id']}", on_click=act(queue.open, item)),
        ]
        if selected:  # the side panel shows the action de terrain: keep "Ouvrir" in view
            del cells[5]
        return ft.DataRow(cells=[ft.DataCell(c) for c in cells], selected=item["id"] == selected)

    columns = [c for c in COLUMNS if not (selected and c == "Action de terrain")]
    return ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in columns],
        rows=[row(i) for i in queue.items],
        column_spacing=18,
        data_row_max_height=52,
    )


def _filters(queue: ReviewQueue) -> ft.Control:
    f = queue.filters
    start, end = queue.dates

    def set_dates(value: tuple[str, str]) -> None:
        queue.dates = value

    return card(
        ft.Row(
            [
                ft.Text("État", width=90, weight=ft.FontWeight.W_600),
                choice_chips(
                    ReviewState.choices(),
                    f.get("review_state", ""),
                    toggler(queue.toggle_filter, "review_state"),
                    key_prefix="review-state",
                ),
            ]
        ),
        ft.Row(
            [
                ft.Text("Médiateur", width=90, weight=ft.FontWeight.W_600),
                choice_chips(
                    queue.members,
                    f.get("mediator_id", ""),
                    toggler(queue.toggle_filter, "mediator_id"),
                    key_prefix="review-mediator",
                ),
            ]
        ),
        ft.Row(
            [
                ft.Text("QPV", width=90, weight=ft.FontWeight.W_600),
                choice_chips(
                    queue.qpvs,
                    f.get("qpv", ""),
                    toggler(queue.toggle_filter, "qpv"),
                    key_prefix="review-qpv",
                ),
            ]
        ),
        ft.Row(
            [
                ft.Text("Période", width=90, weight=ft.FontWeight.W_600),
                ft.TextField(
                    label="Du (JJ/MM/AAAA)",
                    key="review-from",
                    value=start,
                    width=180,
                    dense=True,
                    on_change=lambda e: set_dates((e.control.value, end)),
                ),
                ft.TextField(
                    label="Au (JJ/MM/AAAA)",
                    key="review-to",
                    value=end,
                    width=180,
                    dense=True,
                    on_change=lambda e: set_dates((start, e.control.value)),
                ),
                ft.OutlinedButton(
                    "Appliquer la période",
                    key="review-dates",
                    on_click=act(queue.set_dates, start, end),
                ),
            ]
        ),
    )


def _panel(queue: ReviewQueue, comment: str, set_comment: Any) -> ft.Control:
    item = queue.selected
    assert item is not None
    freins = ", ".join(item.get("freins_labels") or [])

    async def decide(state: str) -> None:
        if await queue.decide(state, comment):
            set_comment("")

    history: list[ft.Control] = [
        ft.Column(
            [
                ft.Text(
                    f"{when(h['at'])} · {h['author_name']} · {h['outcome_label']}",
                    size=13,
                    weight=ft.FontWeight.W_600,
                ),
                ft.Text(
                    "; ".join(f"{c['label']} : {c['value_label']}" for c in h["changes"]),
                    size=13,
                ),
            ],
            spacing=2,
        )
        for h in reversed(queue.history)
    ]
    return card(
        ft.Row(
            [
                ft.Text(_person(item), size=18, weight=ft.FontWeight.BOLD, expand=True),
                ft.TextButton("Fermer", key="review-close", on_click=lambda _: queue.close()),
            ]
        ),
        label_value("Date", when(item.get("occurred_at"))),
        label_value("Médiateur", item.get("mediator_name") or ""),
        label_value("Canal", item.get("channel_label") or ""),
        label_value("Action de terrain", _event(item)),
        label_value("Freins", freins),
        label_value("Besoin", item.get("need") or ""),
        label_value("Note", item.get("note") or ""),
        label_value("État", item.get("review_state_label") or ""),
        label_value("Commentaire", item.get("review_comment") or ""),
        *(
            [
                ft.OutlinedButton(
                    "Valider tous les contacts reçus de cette action",
                    key="review-validate-event",
                    icon=ft.Icons.DONE_ALL,
                    on_click=act(queue.validate_many, item["event"]),
                )
            ]
            if item.get("event")
            else []
        ),
        ft.TextField(
            label="Commentaire pour le médiateur",
            key="review-comment",
            value=comment,
            width=400,
            multiline=True,
            min_lines=2,
            max_length=280,
            on_change=lambda e: set_comment(e.control.value),
        ),
        ft.Row(
            [
                ft.FilledButton(
                    "Valider", key="review-validate", on_click=act(decide, "validated")
                ),
                ft.OutlinedButton(
                    "À corriger", key="review-to-fix", on_click=act(decide, "to_fix")
                ),
                ft.OutlinedButton("Rejeter", key="review-reject", on_click=act(decide, "rejected")),
            ],
            wrap=True,
        ),
        ft.Divider(),
        ft.Text("Historique", weight=ft.FontWeight.BOLD),
        *(history or [ft.Text("Chargement de l'historique…", size=13)]),
        width=440,
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


@ft.component
def ConsoleReviewScreen() -> ft.Control:
    console = use_console()
    # Kept while signed in: filters, period, page and ticks survive a trip elsewhere.
    queue: ReviewQueue = ft.use_state(
        kept_state(console, "review", lambda: ReviewQueue(api=console.api))
    )[0]
    comment, set_comment = ft.use_state("")
    ft.on_mounted(queue.start)

    left = ft.Column(
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
    parts: list[ft.Control] = [left]
    if queue.selected is not None:
        parts.append(ft.Column([_panel(queue, comment, set_comment)], scroll=ft.ScrollMode.AUTO))
    return ft.Row(parts, expand=True, vertical_alignment=ft.CrossAxisAlignment.START, spacing=16)
