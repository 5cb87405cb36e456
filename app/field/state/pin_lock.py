"""PIN setup, unlock, lock on demand and after inactivity, revoked-device wipe.

Mixed into `FieldState` (kept apart so the field screens' state stays readable).
The app also locks when it goes to the background (`on_lifecycle`). Locking drops
the data key and the in-memory person index (`LocalStore.lock`) and forgets the
session and referentials held by the state: only the unlock screen can be shown
until the PIN is typed again.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import flet as ft

from app.field.state.store_view import LOCKED_VIEW, LockedView
from app.store import LocalStore, StoreLocked
from app.store.crypto import CryptoError
from app.store.vault import PinLockedOut

if TYPE_CHECKING:
    from app.config import AppConfig
    from app.field.state.person_search import PersonSearch
    from app.store import DeviceSession, SyncStatus
    from app.sync.client import SyncClient
    from domain.sync import ReferentialsOut

PIN_MISMATCH = "Les deux codes PIN ne sont pas identiques."
BACKGROUND = frozenset({ft.AppLifecycleState.HIDE, ft.AppLifecycleState.PAUSE})


class PinLock:
    # Fields declared by FieldState (observable dataclass).
    config: AppConfig
    store: LocalStore
    session: DeviceSession | None
    status: SyncStatus | None
    referentials: ReferentialsOut | None
    error: str | None
    busy: bool
    syncing: bool
    locked: bool
    pin_error: str | None
    pin_blocked: bool
    _client: SyncClient | None
    _last_activity: float
    search: PersonSearch

    # --- reading what the store holds once the key is there ---------------------
    def _load_unlocked(self) -> None:
        self.session = self.store.session()
        self.referentials = self.store.referentials()
        self.status = self.store.sync_status()

    @property
    def readable(self) -> bool:
        """The store can be read: signed in, unlocked, past the PIN setup.

        Screens re-render on their own when the state changes (locking included): they
        check this before reading the store, which refuses reads while locked.
        """
        return self.session is not None and not self.locked and not self.needs_pin

    @property
    def view(self) -> LocalStore | LockedView:
        """Where screens read: the store, or nothing while it cannot be read."""
        return self.store if self.readable else LOCKED_VIEW

    @property
    def needs_pin(self) -> bool:
        """Signed in on a store without a PIN yet: the PIN screen comes before anything."""
        return self.session is not None and not self.locked and not self.store.has_pin

    def touch(self) -> None:
        """The mediator did something: push the automatic lock back."""
        self._last_activity = time.monotonic()

    # --- PIN ----------------------------------------------------------------------
    async def choose_pin(self, pin: str, confirm: str) -> bool:
        self.pin_error = None
        if pin != confirm:
            self.pin_error = PIN_MISMATCH
            return False
        self.busy = True
        try:
            await asyncio.to_thread(self.store.setup_pin, pin)
        except CryptoError as exc:
            self.pin_error = str(exc)
            return False
        finally:
            self.busy = False
        self.touch()
        self.session = self.store.session()  # re-read: re-renders past the PIN screen
        return True

    async def unlock(self, pin: str) -> bool:
        self.pin_error = None
        self.busy = True
        try:
            await asyncio.to_thread(self.store.unlock, pin)
        except PinLockedOut as exc:
            self.pin_error = str(exc)
            self.pin_blocked = exc.wait_s is None
            return False
        except CryptoError as exc:
            self.pin_error = str(exc)
            return False
        finally:
            self.busy = False
        self._load_unlocked()
        self.touch()
        self.locked = False
        return True

    def lock(self) -> None:
        if not self.store.has_pin:
            return
        self.store.lock()
        self.search.clear()
        self.session = None
        self.referentials = None
        self.status = None
        self._client = None
        self.locked = True

    def on_lifecycle(self, state: ft.AppLifecycleState) -> None:
        """Flet's app lifecycle: the app went to the background (another app, the home
        button, the screen turned off) locks it; the PIN is asked on return. A passing
        loss of focus (a phone call banner, a system dialog) does not."""
        if state in BACKGROUND and not self.locked:
            self.lock()

    async def watch_inactivity(self) -> None:
        """Runs for the life of the page: locks after `config.lock_seconds` idle."""
        self.touch()
        while True:
            await asyncio.sleep(min(1.0, self.config.lock_seconds / 2))
            idle = time.monotonic() - self._last_activity
            if not self.locked and idle >= self.config.lock_seconds and self.store.has_pin:
                self.lock()

    def pending_before_wipe(self) -> int:
        return self.store.pending_count()

    def wipe_blocked_phone(self) -> None:
        """After 10 wrong PINs and the mediator's explicit confirmation only."""
        self.store.wipe()
        self._fresh_store(
            "Les données de ce téléphone ont été effacées. Connectez-vous pour repartir de zéro."
        )

    def _fresh_store(self, message: str) -> None:
        """The file is gone (wiped): start again on a new empty one, at the login screen."""
        self.store = LocalStore(self.config.db_path)
        self.search.clear()
        self.session = None
        self.referentials = None
        self.status = self.store.sync_status()
        self._client = None
        self.pin_blocked = False
        self.pin_error = None
        self.locked = False
        self.error = message

    def on_store_locked(self, _exc: StoreLocked) -> None:
        """A worker hit the lock mid-way (sync during auto-lock): nothing was half-written."""
        self.locked = True
