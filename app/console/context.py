"""The context through which console screens reach the session's state (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import flet as ft

from app.console.state.section import SectionState

if TYPE_CHECKING:
    from app.console.state.console_state import ConsoleState

S = TypeVar("S", bound=SectionState)

ConsoleContext: Any = ft.create_context(None)


def use_console() -> ConsoleState:
    state = ft.use_context(ConsoleContext)
    assert state is not None, "ConsoleContext not provided"
    return state


def use_section(kind: type[S]) -> S:
    """The state of the calling section (kept until sign-out; see SectionState), to
    which the component subscribes: it re-renders when that state changes."""
    state = use_console().section(kind)
    ft.use_state(state)
    return state


def use_first_load(load: Callable[[], Awaitable[Any]], *, needed: Callable[[], bool]) -> None:
    """Hook: once shown, signed in, `load()` if `needed()` (not when back on a page
    already read)."""
    console = use_console()

    async def first_load() -> None:
        if needed() and console.login is not None:
            await load()

    ft.on_mounted(first_load)
