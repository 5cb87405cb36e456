"""The Synchronisation screen: what waits, when it last worked, what the server refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.field.context import use_field
from app.field.state.sync_actions import SyncProgressView
from app.field.widgets.flash import Flash
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav
from app.field.widgets.sync_bar import NETWORK, SyncHeadline, SyncProgressBar, headline_text
from app.store import SyncStatus
from app.ui.format import day, time_of_day
from app.ui.widgets import PRIMARY, banner, big_button, section
from domain.field_labels import FIELD_LABELS

AUTO_HINT = (
    "La synchronisation se fait toute seule dès que le serveur répond. "
    "Vos saisies restent sur le téléphone tant qu'il ne les a pas reçues."
)
REJECTED_HINT = (
    "Ces saisies restent sur le téléphone mais le serveur les a refusées : "
    "corrigez la fiche puis renvoyez la saisie, montrez ce message à votre superviseur, "
    "ou retirez la saisie."
)


def readable_reason(reason: str) -> str:
    """The server names the field first ("person_id : référence inconnue…"): in French."""
    head, sep, rest = reason.partition(" : ")
    if not sep:
        return reason
    if head in FIELD_LABELS:
        return f"{FIELD_LABELS[head]} : {rest}"
    names = [n.strip() for n in rest.split(",")]
    if all(n in FIELD_LABELS for n in names):  # "champs obligatoires manquants : a, b"
        return f"{head} : {', '.join(FIELD_LABELS[n] for n in names)}"
    return reason


def _line(label: str, value: str, *, key: str, alert: bool = False) -> ft.Control:
    return ft.Column(
        [
            ft.Text(label, size=13, color=ft.Colors.GREY_900),
            ft.Text(
                value,
                size=16,
                weight=ft.FontWeight.W_600,
                color=ft.Colors.RED_900 if alert else ft.Colors.BLACK,
                key=key,
            ),
        ],
        spacing=0,
    )


DROP_HINT = (
    "Retirer cette saisie ? Elle ne sera jamais envoyée. Une fiche créée sur ce téléphone "
    "et refusée disparaît ; une fiche connue du serveur reprend ses valeurs à la "
    "prochaine synchronisation."
)


Button = tuple[str, str, Any, bool, Callable[..., Any]]
"""A button of a row: label, key, icon, filled, on_click."""


def _button_row(*buttons: Button) -> ft.Control:
    return ft.Row(
        [
            big_button(label, key=key, icon=icon, filled=filled, on_click=on_click)
            for label, key, icon, filled, on_click in buttons
        ]
    )


def _confirm_drop(
    index: int, cancel: Callable[[], None], drop: Callable[[], None]
) -> list[ft.Control]:
    return [
        ft.Text(DROP_HINT, size=14, color=ft.Colors.RED_900),
        _button_row(
            ("Garder", f"rejected-keep-{index}", None, False, lambda _: cancel()),
            ("Oui, retirer", f"rejected-drop-{index}", None, True, lambda _: drop()),
        ),
    ]


def _item_actions(
    index: int, retry: Callable[[], None], ask: Callable[[], None]
) -> list[ft.Control]:
    return [
        _button_row(
            ("Renvoyer", f"rejected-retry-{index}", ft.Icons.REFRESH, False, lambda _: retry()),
            ("Retirer", f"rejected-ask-{index}", ft.Icons.DELETE_OUTLINE, False, lambda _: ask()),
        )
    ]


def _rejected_item(
    summary: str,
    reason: str,
    index: int,
    *,
    confirming: bool,
    ask: Callable[[], None],
    cancel: Callable[[], None],
    drop: Callable[[], None],
    retry: Callable[[], None],
) -> ft.Control:
    actions = _confirm_drop(index, cancel, drop) if confirming else _item_actions(index, retry, ask)
    return ft.Container(
        content=ft.Column(
            [
                ft.Text(summary, size=15, weight=ft.FontWeight.BOLD),
                ft.Text(f"Motif : {readable_reason(reason)}", size=15, color=ft.Colors.RED_900),
                *actions,
            ],
            spacing=6,
        ),
        key=f"rejected-{index}",
        padding=ft.Padding.symmetric(horizontal=8, vertical=10),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.GREY_400)),
    )


@ft.component
def SyncDetailsScreen() -> ft.Control:
    state = use_field()
    status = state.status
    rejected = status.rejected if status else []
    op_ids = status.rejected_op_ids if status else []
    confirming, set_confirming = ft.use_state("")  # the op whose « Retirer » was tapped

    def drop(op_id: str) -> None:
        set_confirming("")
        state.drop_rejected(op_id)

    async def sync(_: ft.Event) -> None:
        await state.sync()

    card = _status_card(state.sync_progress, status, state.online)
    # Only what this screen did: the last error is in the card; the message of an
    # action taken here shows (and fades) through Flash.
    messages: list[ft.Control] = []
    if state.error and state.error != (status.last_error if status else None):
        messages.append(banner(state.error, error=True))
    messages.append(Flash("/synchronisation"))

    def item(index: int, summary: str, reason: str, op_id: str) -> ft.Control:
        return _rejected_item(
            summary,
            reason,
            index,
            confirming=confirming == op_id,
            ask=lambda: set_confirming(op_id),
            cancel=lambda: set_confirming(""),
            drop=lambda: drop(op_id),
            retry=lambda: state.retry_rejected(op_id),
        )

    refused: list[ft.Control] = [ft.Text("Aucune saisie refusée.", size=15)]
    if rejected:
        refused = [ft.Text(REJECTED_HINT, size=14)]
        for i, ((summary, reason), op_id) in enumerate(zip(rejected, op_ids, strict=True)):
            refused.append(item(i, summary, reason, op_id))
    body: list[ft.Control] = [
        ft.Container(
            content=ft.Column(card, spacing=10),
            bgcolor=_card_color(status),
            padding=ft.Padding.symmetric(horizontal=14, vertical=12),
            border_radius=10,
        ),
        *messages,
        _buttons(sync),
        ft.Text(AUTO_HINT, size=14),
        section(f"Refusées par le serveur ({len(rejected)})", *refused),
    ]
    return screen("Synchronisation", body, bottom=field_nav("nav-today"))


def _status_card(
    progress: SyncProgressView, status: SyncStatus | None, online: bool | None
) -> list[ft.Control]:
    """Where the sync stands: what runs, the network, what waits, the last success
    and the last failed attempt."""
    card: list[ft.Control] = [
        SyncHeadline(
            progress,
            headline_text(status),
            size=18,
            text_key="sync-details-headline",
            color=PRIMARY,
        ),
        SyncProgressBar(progress),
        _line("Réseau", NETWORK[online], key="sync-network"),
        _line(
            "En attente d'envoi", f"{status.pending if status else 0} saisie(s)", key="sync-pending"
        ),
        _line(
            "Dernière synchronisation réussie",
            _last_sync(status.last_sync_at if status else None),
            key="sync-last",
        ),
    ]
    if status and status.last_error:
        card.append(_line("Dernier essai", status.last_error, key="sync-error", alert=True))
    return card


def _card_color(status: SyncStatus | None) -> str:
    """Amber while saisies wait, red after a refusal or a failure, green when all is sent."""
    if status and status.pending:
        return ft.Colors.AMBER_100
    if status and (status.rejected or status.last_error):
        return ft.Colors.RED_50
    return ft.Colors.GREEN_50


def _buttons(sync: Callable[[ft.Event], Awaitable[None]]) -> ft.Control:
    def back(_: ft.Event) -> None:
        ft.context.page.navigate("/")

    return _button_row(
        ("Retour", "sync-details-back", None, False, back),
        ("Synchroniser", "sync-details-now", ft.Icons.SYNC, True, sync),
    )


def _last_sync(at: dt.datetime | None) -> str:
    return f"le {day(at)} à {time_of_day(at)}" if at is not None else "jamais"
