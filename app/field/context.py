"""The context through which field screens reach the session's state (no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.form_state import Form, use_form

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState

FieldContext: Any = ft.create_context(None)


def use_field() -> FieldState:
    state = ft.use_context(FieldContext)
    assert state is not None, "FieldContext not provided"
    return state


def use_field_form(**initial: Any) -> Form:
    """`use_form` for a field screen: each change made in the form (typing, a choice
    tapped) is the mediator's activity and pushes the automatic lock back. Such a
    change redraws the form alone, not the screen, so `FieldState.screen_drawn` does
    not see it, and an on-screen keyboard sends no key events to the app."""
    return use_form(on_change=use_field().form_changed, **initial)


def current_route() -> str | None:
    """The route of the screen in use, when called from one of its handlers (None
    outside a session: tests, background work)."""
    try:
        return str(ft.context.page.route)
    except Exception:  # no page in this context
        return None
