"""Hybrid logical clocks: (wall ms, counter, node), totally ordered.

Encoded as a fixed-width string so that string order equals clock order; this
lets the server compare and index HLCs without parsing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_COUNTER = 0xFFFF
_MS_WIDTH = 15
_COUNTER_WIDTH = 5


@dataclass(frozen=True, order=True)
class Hlc:
    ms: int
    counter: int
    node: str

    def encode(self) -> str:
        return f"{self.ms:0{_MS_WIDTH}d}:{self.counter:0{_COUNTER_WIDTH}d}:{self.node}"

    @classmethod
    def parse(cls, text: str) -> Hlc:
        try:
            ms, counter, node = text.split(":", 2)
            parsed = cls(int(ms), int(counter), node)
        except ValueError as exc:
            raise ValueError(f"horodatage HLC illisible: {text!r}") from exc
        if parsed.ms < 0 or not 0 <= parsed.counter <= MAX_COUNTER or not node:
            raise ValueError(f"horodatage HLC hors bornes: {text!r}")
        return parsed

    def __str__(self) -> str:
        return self.encode()


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class HlcClock:
    """A node's clock. `now()` for a local event, `observe()` for a remote HLC."""

    node: str
    last: Hlc | None = None
    wall: Callable[[], int] = wall_ms

    def now(self) -> Hlc:
        physical = self.wall()
        if self.last is None or physical > self.last.ms:
            nxt = Hlc(physical, 0, self.node)
        else:
            nxt = self._bump(self.last.ms, self.last.counter)
        self.last = nxt
        return nxt

    def observe(self, remote: Hlc) -> Hlc:
        physical = self.wall()
        last = self.last or Hlc(0, 0, self.node)
        top = max(physical, last.ms, remote.ms)
        if top == last.ms == remote.ms:
            nxt = self._bump(top, max(last.counter, remote.counter))
        elif top == last.ms:
            nxt = self._bump(top, last.counter)
        elif top == remote.ms:
            nxt = self._bump(top, remote.counter)
        else:
            nxt = Hlc(top, 0, self.node)
        self.last = nxt
        return nxt

    def _bump(self, ms: int, counter: int) -> Hlc:
        # Counter overflow moves logical time 1 ms ahead rather than wrapping.
        if counter >= MAX_COUNTER:
            return Hlc(ms + 1, 0, self.node)
        return Hlc(ms, counter + 1, self.node)


def just_after(stored: str, node: str) -> str:
    """The smallest HLC of `node` after the `stored` one: the stamp of an edit that
    has seen `stored` but was made on a clock running behind it."""
    last = Hlc.parse(stored)
    if last.counter >= MAX_COUNTER:
        return Hlc(last.ms + 1, 0, node).encode()
    return Hlc(last.ms, last.counter + 1, node).encode()


def is_ahead(hlc: Hlc, server_ms: int, tolerance_ms: int = 60_000) -> bool:
    """True when a clock claims a time more than `tolerance_ms` after the server's."""
    return hlc.ms > server_ms + tolerance_ms
