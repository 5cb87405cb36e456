"""Pull pages read ahead in a helper thread, and streamed pages cut at line ends.

The phone writes page n while page n+1 arrives: reading (the request, the transfer,
zstd, cutting the reply into pages) runs in a helper thread that never touches the
store, and hands each page over through a small queue. Leaving `pages_ahead` stops
the helper and waits for it, so no request outlives the pull.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# Pages waiting while one is being written: enough to keep the phone busy, few
# enough to bound memory (a streamed page of 500 contacts is ~240 KB of JSON).
DEPTH = 2
_POLL_S = 0.05


class _End:
    """The helper's last word: every page was handed over."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


@contextmanager
def pages_ahead(read: Callable[[], Iterator[T]], depth: int = DEPTH) -> Iterator[Iterator[T]]:
    """`read()`'s items, produced in a helper thread at most `depth` ahead of the
    caller; an error in the helper is raised to the caller at the point it occurred
    in the sequence (after the items read before it)."""
    handover: queue.Queue[T | _End | _Failed] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: T | _End | _Failed) -> bool:
        while not stop.is_set():
            try:
                handover.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        items: Iterator[T] | None = None
        try:
            items = read()
            for item in items:
                if not put(item):
                    return
            put(_End())
        except BaseException as exc:  # handed to the caller, who raises it
            put(_Failed(exc))
        finally:
            close = getattr(items, "close", None) if items is not None else None
            if close is not None:
                close()  # a generator's `with` blocks (an open response) end here

    def taken() -> Iterator[T]:
        while True:
            item = handover.get()
            if isinstance(item, _End):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    helper = threading.Thread(target=work, name="relais-pull", daemon=True)
    helper.start()
    try:
        yield taken()
    finally:
        stop.set()
        helper.join()


def lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The complete lines of a byte stream, without their `\\n`; a last line the
    stream cut before its `\\n` raises `ValueError` (it was never finished)."""
    parts: list[bytes] = []
    for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            parts.append(chunk[start:end])
            yield b"".join(parts)
            parts.clear()
            start = end + 1
        if start < len(chunk):
            parts.append(chunk[start:])
    if any(part.strip() for part in parts):
        raise ValueError("page interrompue avant sa fin")
