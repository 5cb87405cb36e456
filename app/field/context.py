"""The context through which field screens reach the session's state (no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState

FieldContext: Any = ft.create_context(None)


def use_field() -> FieldState:
    state = ft.use_context(FieldContext)
    assert state is not None, "FieldContext not provided"
    return state


def current_route() -> str | None:
    """The route of the screen in use, when called from one of its handlers (None
    outside a session: tests, background work)."""
    try:
        return str(ft.context.page.route)
    except Exception:  # no page in this context
        return None
