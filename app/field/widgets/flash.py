"""The message of the last action, on the screen it was taken on, fading out.

A message belongs to the screen and the action that caused it: another screen
never shows it (« Contact anonyme compté » on a person's record minutes later told
the mediator nothing), and once read it fades away by itself.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from app.field.context import use_field

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState
from app.ui.widgets import TAP, banner

# Long enough to be read outdoors, glancing away and back, before it fades.
SHOWN_SECONDS = 10.0
FADE_SECONDS = 0.6


@ft.component
def Flash(route: str) -> ft.Control:
    """The message for the screen at `route`, with « Annuler » when the last entry is a
    contact; nothing to see when there is none."""
    state = use_field()
    text = state.notice_for(route)
    serial = state.notice_serial
    faded, set_faded = ft.use_state(-1)

    async def fade() -> None:
        if text is None:
            return
        await asyncio.sleep(SHOWN_SECONDS)
        set_faded(serial)
        await asyncio.sleep(FADE_SECONDS)
        state.expire_notice(serial)

    ft.use_effect(fade, [serial, text is None])
    undo = (
        [
            # Named after what it undoes: a form's own « Annuler » may be beside it.
            ft.Semantics(
                label="Annuler le contact",
                button=True,
                exclude_semantics=True,
                on_tap=lambda _: state.undo_last_contact(),
                content=ft.TextButton(
                    "Annuler",
                    key="undo-contact",
                    on_click=lambda _: state.undo_last_contact(),
                    style=ft.ButtonStyle(color=ft.Colors.WHITE),
                    height=TAP,
                ),
            )
        ]
        if text is not None and state.undo_contact_id
        else []
    )
    # One semantics node that is always there, message or not: a node coming or going
    # beside a text field makes Flutter web move that field's DOM input, which the
    # browser then blurs, and the letters typed next are lost (seen: a field typed
    # into while the message above it faded out).
    return ft.Semantics(
        container=True,
        live_region=True,
        content=ft.Container(
            content=banner(text, actions=undo) if text is not None else None,
            opacity=0.0 if faded == serial else 1.0,
            animate_opacity=ft.Animation(int(FADE_SECONDS * 1000), ft.AnimationCurve.EASE_OUT),
            key="flash",
        ),
    )


def leave_to(state: FieldState, route: str) -> None:
    """Close a form after its action: to `route`, the action's message with it."""
    state.carry_notice(route)
    ft.context.page.navigate(route)
