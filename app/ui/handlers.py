"""Event handlers that may call sync or async functions.

Flet awaits a handler only when the handler itself is an async function: a lambda
returning a coroutine would never run. `handler(fn, *args)` wraps any call in one.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any


def handler(fn: Callable[..., Any] | None, *args: Any) -> Callable[[Any], Awaitable[None]]:
    async def run(_event: Any = None) -> None:
        result = fn(*args) if fn is not None else None
        if inspect.isawaitable(result):
            await result

    return run
