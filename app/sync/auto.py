"""Automatic sync: probe the server now and then, sync when it answers.

A cheap `GET /health` with a short timeout runs in a worker thread every
`interval` seconds; when the server answers and ops are pending the state syncs,
and otherwise it still syncs every `pull_every` seconds to bring colleagues'
changes. The interval comes from RELAIS_AUTOSYNC_SECONDS so tests can use ~1 s.
A sync that fails although the server answered (busy server, 5xx) is not retried at
every tick: the wait doubles after each failure, up to MAX_BACKOFF, so a fleet of
phones does not hammer a struggling server; a success resets it. Each wait is
stretched by a random part of up to JITTER of itself, so phones that failed together
do not come back together, and it is never shorter than the `Retry-After` the
server sent with its refusal.
A failed sync leaves its work due: a first install cut half-way goes on (from its
last applied page) as soon as the server answers again, not at the next periodic
pull. When the link itself was lost (the target went offline), the probe comes
every RECONNECT_PROBE seconds for RECONNECT_WINDOW seconds, so that a sync cut at the
foot of a building finishes within seconds of the signal coming back; the probe is
one small request, refused at once while the link is down.
Nothing is probed nor synced while the target says it cannot sync (locked app,
PIN screen, signed out, a sync already running).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 10.0
DEFAULT_PULL_EVERY = 120.0
PROBE_TIMEOUT = 3.0
MAX_BACKOFF = 300.0
JITTER = 0.5
RECONNECT_PROBE = 2.0
RECONNECT_WINDOW = 120.0


class SyncTarget(Protocol):
    online: bool | None

    def can_sync(self) -> bool: ...

    def pending_count(self) -> int: ...

    async def sync(self, *, quiet: bool = False) -> bool:
        """True when the sync went through."""
        ...

    def retry_after(self) -> float | None:
        """Seconds the server asked to wait, with the last failed sync's refusal."""
        ...


def interval_from_env() -> float:
    raw = os.environ.get("RELAIS_AUTOSYNC_SECONDS", "")
    try:
        return max(0.2, float(raw)) if raw else DEFAULT_INTERVAL
    except ValueError:
        return DEFAULT_INTERVAL


def probe(server_url: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when the server answers its health check (blocking: run it in a thread)."""
    try:
        return httpx.get(f"{server_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


class AutoSync:
    def __init__(
        self,
        target: SyncTarget,
        server_url: str | Callable[[], str | None],
        *,
        interval: float | None = None,
        pull_every: float = DEFAULT_PULL_EVERY,
        prober: Callable[[str], bool] = probe,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """`jitter`: a number in [0, 1) drawn for each wait after a failure."""
        self._target = target
        self._url = server_url if callable(server_url) else (lambda: server_url)
        self._interval = interval if interval is not None else interval_from_env()
        self._pull_every = pull_every
        self._probe = prober
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._last_sync = -float("inf")
        self._failures = 0
        self._retry_wait = 0.0
        self._retry_due = False
        self._link_lost_at: float | None = None

    @property
    def backoff(self) -> float:
        """Seconds to wait before the next attempt after the failures so far."""
        if self._failures == 0:
            return 0.0
        return min(MAX_BACKOFF, max(self._interval, 1.0) * 2 ** (self._failures - 1))

    @property
    def retry_wait(self) -> float:
        """Seconds waited before the next attempt after a failed sync: the backoff,
        stretched by the jitter, at least the server's `Retry-After`."""
        return self._retry_wait

    async def tick(self) -> bool:
        """One probe, and a sync if warranted; returns whether it synced."""
        if not self._target.can_sync():
            return False
        url = self._url()
        reachable = bool(url) and await asyncio.to_thread(self._probe, url or "")
        if self._target.online != reachable:  # an observable: assign only on change
            self._target.online = reachable
        if not reachable or not self._target.can_sync():
            return False
        now = self._clock()
        if now < self._last_sync + self._retry_wait:
            return False
        due = self._retry_due or now - self._last_sync >= self._pull_every
        if self._target.pending_count() == 0 and not due:
            return False
        ok = await self._target.sync(quiet=True)
        self._last_sync = self._clock()
        self._failures = 0 if ok else self._failures + 1
        self._retry_wait = 0.0
        self._retry_due = not ok
        self._link_lost_at = self._last_sync if not ok and self._target.online is False else None
        if not ok:
            asked = self._target.retry_after() or 0.0
            self._retry_wait = max(self.backoff * (1 + JITTER * self._jitter()), asked)
            logger.info("automatic sync failed; next attempt in %.0f s", self._retry_wait)
        return True

    @property
    def wait(self) -> float:
        """Seconds until the next probe: shorter for a while after the link was lost."""
        lost = self._link_lost_at
        if lost is not None and self._clock() - lost < RECONNECT_WINDOW:
            return min(self._interval, RECONNECT_PROBE)
        return self._interval

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # one bad round must not end automatic sync for the session
                logger.exception("automatic sync round failed")
            await self._sleep(self.wait)
