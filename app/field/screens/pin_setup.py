"""Choose a PIN right after the first login: it encrypts this phone's data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.field.context import use_field
from app.store.crypto import MIN_PIN_DIGITS
from app.ui.form_state import use_form
from app.ui.secret_field import SecretField
from app.ui.widgets import PRIMARY, banner, busy_button, narrow_frame


def pin_field(
    label: str, key: str, value: str, on_change: Callable[[ft.Event[ft.TextField]], Any], **kw: Any
) -> ft.Control:
    return SecretField(
        label, key, value, on_change, numeric=True, max_length=12, text_size=20, **kw
    )


@ft.component
def PinSetupScreen() -> ft.Control:
    state = use_field()
    form = use_form(pin="", confirm="")
    pin, set_pin = form["pin"], form.setter("pin")
    confirm, set_confirm = form["confirm"], form.setter("confirm")

    async def submit(_: ft.Event | None = None) -> None:
        await state.pin.choose_pin(form["pin"], form["confirm"])

    return narrow_frame(
        [
            ft.Text("Choisissez un code PIN", size=26, weight=ft.FontWeight.BOLD, color=PRIMARY),
            ft.Text(_why_a_pin(state.config.lock_seconds), size=15),
            pin_field(
                f"Code PIN ({MIN_PIN_DIGITS} chiffres minimum)",
                "pin-new",
                pin,
                lambda e: set_pin(e.control.value),
                autofocus=True,
            ),
            pin_field(
                "Confirmez le code PIN",
                "pin-confirm",
                confirm,
                lambda e: set_confirm(e.control.value),
                on_submit=submit,
            ),
            *([banner(state.pin.pin_error, error=True)] if state.pin.pin_error else []),
            busy_button(
                "Enregistrer le code PIN",
                "Chiffrement en cours…",
                busy=state.pin.busy,
                key="pin-save",
                on_click=submit,
            ),
            ft.Text(
                "Retenez-le : il n'est stocké nulle part et personne ne peut le retrouver.",
                size=13,
                color=ft.Colors.GREY_800,
            ),
        ]
    )


def _why_a_pin(lock_seconds: float) -> str:
    minutes = max(1, round(lock_seconds / 60))
    return (
        "Ce code chiffre les données des personnes sur ce téléphone : sans lui, "
        "elles sont illisibles en cas de perte ou de vol. Il sera demandé à chaque "
        f"ouverture, au retour dans l'application et après {minutes} min sans utilisation."
    )
