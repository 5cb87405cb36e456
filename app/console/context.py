"""The context through which console screens reach the session's state (no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

if TYPE_CHECKING:
    from app.console.state.console_state import ConsoleState

ConsoleContext: Any = ft.create_context(None)


def use_console() -> ConsoleState:
    state = ft.use_context(ConsoleContext)
    assert state is not None, "ConsoleContext not provided"
    return state
