"""Unlock with the PIN at start and after a lock; after 10 wrong PINs, an acknowledged wipe."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.field.context import use_field
from app.field.screens.pin_setup import pin_field
from app.field.state.field_state import FieldState
from app.ui.form_state import use_form
from app.ui.widgets import PRIMARY, banner, big_button, busy_button, narrow_frame


@ft.component
def UnlockScreen() -> ft.Control:
    state = use_field()
    form = use_form(pin="")
    pin, set_pin = form["pin"], form.setter("pin")
    confirm_wipe, set_confirm_wipe = ft.use_state(False)

    async def submit(_: ft.Event | None = None) -> None:
        if await state.pin.unlock(form["pin"]):
            return
        set_pin("")

    if state.pin.pin_blocked:
        actions = _wipe_actions(state, confirm_wipe, lambda: set_confirm_wipe(True))
    else:
        actions = [
            pin_field(
                "Code PIN",
                "pin-unlock",
                pin,
                lambda e: set_pin(e.control.value),
                autofocus=True,
                on_submit=submit,
            ),
            *([banner(state.pin.pin_error, error=True)] if state.pin.pin_error else []),
            busy_button(
                "Déverrouiller",
                "Vérification…",
                busy=state.pin.busy,
                key="pin-unlock-submit",
                icon=ft.Icons.LOCK_OPEN,
                on_click=submit,
            ),
        ]
    return _locked_frame(actions)


def _wipe_actions(
    state: FieldState, confirm_wipe: bool, ask_confirmation: Callable[[], None]
) -> list[ft.Control]:
    """After too many wrong PINs: what will be lost, then a wipe in two taps."""
    pending = state.pin.pending_before_wipe()
    lost = (
        f"{pending} saisie(s) non synchronisée(s) seront perdues."
        if pending
        else "Toutes les saisies avaient été synchronisées."
    )
    return [
        banner(state.pin.pin_error or "", error=True),
        ft.Text(lost, size=15),
        ft.Row(
            [
                big_button(
                    f"Confirmer l'effacement ({pending} non envoyée(s))"
                    if confirm_wipe
                    else "Effacer les données de ce téléphone",
                    key="wipe-confirm" if confirm_wipe else "wipe-ask",
                    on_click=(lambda _: state.pin.wipe_blocked_phone())
                    if confirm_wipe
                    else (lambda _: ask_confirmation()),
                )
            ]
        ),
    ]


def _locked_frame(actions: list[ft.Control]) -> ft.Control:
    return narrow_frame(
        [
            ft.Text("Relais", size=40, weight=ft.FontWeight.BOLD, color=PRIMARY),
            ft.Row(
                [
                    ft.Icon(ft.Icons.LOCK, color=PRIMARY),
                    ft.Text("Application verrouillée", size=17),
                ]
            ),
            ft.Text("Saisissez votre code PIN pour accéder aux données.", size=15),
            *actions,
        ]
    )
