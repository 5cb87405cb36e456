"""The always-visible sync status: online or not, pending count, last sync, errors.

The status part opens the Synchronisation screen; a running sync shows what it is
doing ("Envoi 500/5000…") over a progress bar.
"""

from __future__ import annotations

import datetime as dt

import flet as ft

from app.field.context import use_field
from app.field.state.sync_actions import SyncProgressView
from app.store import SyncStatus
from app.ui.format import day_month, time_of_day
from app.ui.widgets import TAP

NETWORK = {True: "En ligne", False: "Hors ligne", None: "Réseau inconnu"}


def last_sync_text(when: dt.datetime | None) -> str:
    if when is None:
        return "Jamais synchronisé"
    if when.astimezone().date() == dt.date.today():
        return f"Synchro à {time_of_day(when)}"
    return f"Synchro le {day_month(when)} à {time_of_day(when)}"


def headline_text(status: SyncStatus | None) -> str:
    """The headline when no sync runs."""
    pending = status.pending if status else 0
    if pending and status is not None:
        return f"{entries_text(status.pending_entries) or pending} en attente de synchronisation"
    if status and status.rejected:
        return "Envoyé, sauf des saisies refusées"
    return "Tout est synchronisé"


# entity → (one, several): what a mediator calls the entries she made.
ENTRY_WORDS = {
    "contact": ("contact", "contacts"),
    "person": ("personne", "personnes"),
    "orientation": ("orientation", "orientations"),
    "followup": ("relance", "relances"),
    "event": ("action", "actions"),
}


def entries_text(entries: dict[str, int]) -> str:
    """« 2 contacts, 1 personne »: entries, not the ops behind them."""
    parts = []
    for entity, (one, several) in ENTRY_WORDS.items():
        if n := entries.get(entity, 0):
            parts.append(f"{n} {one if n == 1 else several}")
    return ", ".join(parts)


def problems_text(status: SyncStatus | None, syncing: bool) -> str:
    """Short: the Synchronisation screen has the details."""
    if status is None:
        return ""
    problems = []
    if status.last_error and not syncing:
        problems.append(f"Échec : {status.last_error.split(' : ')[0]}")
    if status.rejected:
        problems.append(f"{len(status.rejected)} refusé(s) par le serveur")
    return " · ".join(problems)


@ft.component
def SyncHeadline(
    view: SyncProgressView, idle: str, *, size: int, text_key: str, color: str
) -> ft.Control:
    """Re-rendered at every progress step (`view` is its own observable)."""
    text = (view.text or "Synchronisation…") if view.running else idle
    return ft.Text(text, size=size, weight=ft.FontWeight.BOLD, color=color, key=text_key)


@ft.component
def SyncProgressBar(view: SyncProgressView) -> ft.Control:
    if not view.running:
        return ft.Container(height=0)
    return ft.Container(
        content=ft.ProgressBar(
            value=view.fraction,
            color=ft.Colors.INDIGO_900,
            semantics_label="Progression de la synchronisation",
        ),
        padding=ft.Padding.only(top=6),
    )


@ft.component
def SyncBar() -> ft.Control:
    state = use_field()
    status = state.status
    pending = status.pending if status else 0
    details = f"{NETWORK[state.online]} · {last_sync_text(status.last_sync_at if status else None)}"
    problems = problems_text(status, state.syncing)
    lines: list[ft.Control] = [
        SyncHeadline(
            state.sync_progress,
            headline_text(status),
            size=16,
            text_key="sync-headline",
            color=ft.Colors.BLACK,
        ),
        ft.Text(details, size=13),
    ]
    if problems:
        lines.append(
            ft.Text(problems, size=13, color=ft.Colors.RED_900, weight=ft.FontWeight.W_600)
        )

    async def sync(_: ft.Event) -> None:
        await state.sync()

    status_part = _status_part(lines)
    row = ft.Row(
        [
            status_part,
            ft.FilledTonalButton(
                content=ft.Text("Synchroniser"),
                icon=ft.Icons.SYNC,
                key="sync-now",
                on_click=sync,
                height=TAP,
            ),
        ],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )
    # Outside the tappable part: inside, it would turn that button into a progress bar
    # for screen readers.
    return ft.Container(
        content=ft.Column([row, SyncProgressBar(state.sync_progress)], spacing=0),
        bgcolor=ft.Colors.RED_50
        if problems and not state.syncing
        else ft.Colors.AMBER_100
        if pending
        else ft.Colors.GREEN_50,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
        border_radius=10,
    )


def _status_part(lines: list[ft.Control]) -> ft.Control:
    """The status lines, one button that opens the Synchronisation screen."""
    return ft.Semantics(
        label="Détails de la synchronisation",
        button=True,
        content=ft.Container(
            content=ft.Row(
                [
                    ft.Column(lines, spacing=2, expand=True),
                    ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.GREY_900),
                ],
                spacing=4,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            key="sync-details",
            on_click=lambda _: ft.context.page.navigate("/synchronisation"),
            ink=True,
            border_radius=8,
            padding=ft.Padding.symmetric(vertical=4),
        ),
        expand=True,
    )
