"""Form values that a handler bound at an earlier render still reads up to date.

A Flet component's handlers close over the values of the render that created
them. When a mediator types the last field and taps "Enregistrer" at once, the tap
can be handled before the screen re-rendered for that last keystroke: a save
reading `use_state` values then stores the form without it (seen in the browser
tests on a loaded machine). `use_form` keeps the values in a ref, updated as each
change arrives, and re-renders through a state; handlers read `form[name]`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft


class Form:
    def __init__(
        self,
        ref: Any,
        rerender: Callable[[dict[str, Any]], None],
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._ref = ref
        self._rerender = rerender
        self._on_change = on_change

    def __getitem__(self, name: str) -> Any:
        return self._ref.current[name]

    def set(self, name: str, value: Any) -> None:
        self._ref.current = {**self._ref.current, name: value}
        self._rerender(self._ref.current)
        if self._on_change is not None:
            self._on_change()

    def setter(self, name: str) -> Callable[[Any], None]:
        return lambda value: self.set(name, value)

    def values(self) -> dict[str, Any]:
        return dict(self._ref.current)


def use_form(*, on_change: Callable[[], None] | None = None, **initial: Any) -> Form:
    """Hook: the form's fields with their first values (kept across renders);
    `on_change` is told of every change (a field typed in, a choice tapped)."""
    _, rerender = ft.use_state(initial)
    ref = ft.use_ref(initial)
    return Form(ref, rerender, on_change)
