"""PIN setup, unlock, lock on demand and after inactivity, revoked-device wipe.

A part of `FieldState` owning the lock's own fields. The app also locks when it goes
to the background (`on_lifecycle`). Locking drops the data key and the in-memory
person index (`LocalStore.lock`); the state is then told (`on_lock`) to forget the
session and referentials it holds: only the unlock screen can be shown until the PIN
is typed again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import flet as ft

from app.store import LocalStore
from app.store.crypto import CryptoError
from app.store.vault import PinLockedOut

PIN_MISMATCH = "Les deux codes PIN ne sont pas identiques."
BACKGROUND = frozenset({ft.AppLifecycleState.HIDE, ft.AppLifecycleState.PAUSE})
WIPED = "Les données de ce téléphone ont été effacées. Connectez-vous pour repartir de zéro."


class PinLock(ft.Observable):
    """The phone's lock: `store` gives the current store (a wipe replaces it);
    `on_unlock` re-reads what the store holds once its key is there; `on_lock`
    forgets it; `on_wipe` starts again on an empty store with a message."""

    def __init__(
        self,
        store: Callable[[], LocalStore],
        lock_seconds: float,
        *,
        on_unlock: Callable[[], None],
        on_lock: Callable[[], None],
        on_wipe: Callable[[str], None],
    ) -> None:
        self._store = store
        self._lock_seconds = lock_seconds
        self._on_unlock = on_unlock
        self._on_lock = on_lock
        self._on_wipe = on_wipe
        self._last_activity = 0.0
        self.locked: bool = store().locked
        """A PIN exists and has not been typed since start or the last lock."""
        self.pin_error: str | None = None
        self.pin_blocked = False
        """Too many wrong PINs: only an acknowledged wipe is left."""
        self.busy = False
        """The PIN's key derivation runs (a second or so on a phone)."""

    def touch(self) -> None:
        """The mediator did something: push the automatic lock back."""
        self._last_activity = time.monotonic()

    async def choose_pin(self, pin: str, confirm: str) -> bool:
        self.pin_error = None
        if pin != confirm:
            self.pin_error = PIN_MISMATCH
            return False
        if not await self._derive_key(self._store().setup_pin, pin):
            return False
        self.touch()
        self._on_unlock()  # re-read: re-renders past the PIN screen
        return True

    async def unlock(self, pin: str) -> bool:
        if not await self._derive_key(self._store().unlock, pin):
            return False
        self._on_unlock()
        self.touch()
        self.locked = False
        return True

    async def _derive_key(self, work: Callable[[str], None], pin: str) -> bool:
        """Run `work` (the PIN's key derivation, a second or so) in a worker thread,
        busy meanwhile; False with `pin_error` set when the PIN is refused."""
        self.pin_error = None
        self.busy = True
        try:
            await asyncio.to_thread(work, pin)
        except PinLockedOut as exc:
            self.pin_error = str(exc)
            self.pin_blocked = exc.wait_s is None
            return False
        except CryptoError as exc:
            self.pin_error = str(exc)
            return False
        finally:
            self.busy = False
        return True

    def lock(self) -> None:
        store = self._store()
        if not store.has_pin:
            return
        store.lock()
        self._on_lock()
        self.locked = True

    def on_lifecycle(self, state: ft.AppLifecycleState) -> None:
        """Flet's app lifecycle: the app went to the background (another app, the home
        button, the screen turned off) locks it; the PIN is asked on return. A passing
        loss of focus (a phone call banner, a system dialog) does not."""
        if state in BACKGROUND and not self.locked:
            self.lock()

    async def watch_inactivity(self) -> None:
        """Runs for the life of the page: locks after `lock_seconds` idle."""
        self.touch()
        while True:
            await asyncio.sleep(min(1.0, self._lock_seconds / 2))
            idle = time.monotonic() - self._last_activity
            if not self.locked and idle >= self._lock_seconds and self._store().has_pin:
                self.lock()

    def pending_before_wipe(self) -> int:
        return self._store().pending_count()

    def wipe_blocked_phone(self) -> None:
        """After 10 wrong PINs and the mediator's explicit confirmation only."""
        self._store().wipe()
        self._on_wipe(WIPED)

    def reset(self) -> None:
        """A new empty store: nothing is locked nor blocked."""
        self.pin_blocked = False
        self.pin_error = None
        self.locked = False

    def on_store_locked(self) -> None:
        """A worker hit the lock mid-way (sync during auto-lock): nothing was half-written."""
        self.locked = True
