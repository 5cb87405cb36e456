"""The "Verrouiller" action of the field app's title bar (nothing in the console)."""

from __future__ import annotations

import flet as ft

from app.field.context import FieldContext


@ft.component
def LockAction() -> ft.Control:
    state = ft.use_context(FieldContext)
    if state is None or not state.store.has_pin:
        return ft.Container(width=0)
    # An icon alone has no accessible name: Semantics gives it one, and replaces the
    # icon button's own (unnamed) node instead of nesting it.
    return ft.Semantics(
        label="Verrouiller",
        button=True,
        exclude_semantics=True,
        on_tap=lambda _: state.pin.lock(),
        content=ft.IconButton(
            ft.Icons.LOCK_OUTLINE,
            key="app-lock",
            icon_color=ft.Colors.WHITE,
            icon_size=26,
            width=48,
            height=48,
            on_click=lambda _: state.pin.lock(),
        ),
    )
