"""A password or PIN field whose "show" button has a French accessible name.

Flutter's own reveal button (`can_reveal_password`) has no label a screen reader
can announce; this one reads "Afficher le code" / "Masquer le code".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft


@ft.component
def SecretField(
    label: str,
    key: str,
    value: str,
    on_change: Callable[[ft.Event[ft.TextField]], Any],
    *,
    numeric: bool = False,
    max_length: int | None = None,
    text_size: int = 17,
    autofocus: bool = False,
    on_submit: Callable[..., Any] | None = None,
) -> ft.Control:
    shown, set_shown = ft.use_state(False)
    what = "le code" if numeric else "le mot de passe"
    action = f"Masquer {what}" if shown else f"Afficher {what}"
    toggle = ft.Semantics(
        label=action,
        button=True,
        exclude_semantics=True,
        on_tap=lambda _: set_shown(not shown),
        content=ft.IconButton(
            ft.Icons.VISIBILITY_OFF if shown else ft.Icons.VISIBILITY,
            key=f"{key}-reveal",
            width=48,
            height=48,
            on_click=lambda _: set_shown(not shown),
        ),
    )
    return ft.TextField(
        label=label,
        key=key,
        value=value,
        password=not shown,
        suffix=toggle,
        keyboard_type=ft.KeyboardType.NUMBER if numeric else ft.KeyboardType.TEXT,
        max_length=max_length,
        on_change=on_change,
        on_submit=on_submit,
        autofocus=autofocus,
        text_size=text_size,
    )
