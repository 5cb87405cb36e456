"""Sync from the field app's state: on demand, and automatically in the background.

Mixed into `FieldState`. `sync()` runs the sync client in a worker thread and
reports its progress on the loop; `run_auto_sync()` runs for the life of the page
(started next to `watch_inactivity`): it probes the server every few seconds
(RELAIS_AUTOSYNC_SECONDS) and syncs when the server answers and ops are waiting.
Nothing syncs while the app is locked, on the PIN screen or signed out.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import flet as ft

from app.field.context import current_route
from app.store import StoreLocked
from app.sync.auto import PROBE_TIMEOUT, AutoSync, probe
from app.sync.client import SyncProgress, SyncReport
from app.sync.errors import DeviceRevoked, ServerError, ServerUnreachable, SyncError

if TYPE_CHECKING:
    from app.config import AppConfig
    from app.store import DeviceSession, LocalStore, SyncStatus
    from app.sync.client import SyncClient
    from domain.sync import ReferentialsOut


def sync_summary(report: SyncReport) -> str:
    """What a sync the mediator asked for did. A conflict (a colleague changed or
    deleted the same record meanwhile) is said: the edit is not lost, the supervisor
    settles it, and a record deleted by the colleague leaves this phone meanwhile."""
    said = f"Synchronisation terminée : {report.acked} envoyé(s), {report.pulled} reçu(s)."
    if report.conflicts:
        said += (
            f" {report.conflicts} en conflit avec un·e collègue (fiche modifiée ou supprimée"
            " entre-temps) : transmis à votre superviseur, qui tranchera."
        )
    return said


# What « Retirer » did, as the mediator reads it (`LocalStore.drop_rejected`).
DROPPED = {
    "removed": "Saisie retirée : la fiche créée sur ce téléphone est supprimée.",
    "restored_at_next_sync": (
        "Saisie retirée. La prochaine synchronisation remet la fiche comme sur le serveur."
    ),
    "kept": "Saisie retirée.",
}


def progress_text(p: SyncProgress) -> str:
    """ "Envoi 200/5000…" while pushing, "Réception 1000…" while pulling."""
    if p.phase == "push":
        return f"Envoi {p.done}/{p.total}…" if p.total else f"Envoi {p.done}…"
    return f"Réception {p.done}…"


def progress_fraction(p: SyncProgress) -> float | None:
    """How far the push is (0..1); None when unknown (the pull)."""
    if p.phase == "push" and p.total:
        return min(1.0, p.done / p.total)
    return None


@ft.observable
@dataclass
class SyncProgressView:
    """What a running sync is doing. Its own observable: a progress step, or an
    automatic sync starting, re-renders only the widgets given this object, not every
    screen (the mediator may be typing; and screens read the store, whose lock the
    sync's worker thread holds for most of a long sync)."""

    running: bool = False
    """A sync runs, automatic or not (FieldState.syncing: only the ones asked for)."""
    text: str = ""
    """E.g. "Envoi 500/5000…"; empty before the first batch and when idle."""
    fraction: float | None = None
    """How far the push is (0..1), None when unknown."""

    def show(self, p: SyncProgress | None) -> None:
        self.text = progress_text(p) if p else ""
        self.fraction = progress_fraction(p) if p else None


class SyncActions:
    if TYPE_CHECKING:
        # Fields declared by FieldState (observable dataclass).
        config: AppConfig
        store: LocalStore
        session: DeviceSession | None
        status: SyncStatus | None
        referentials: ReferentialsOut | None
        syncing: bool
        online: bool | None
        sync_progress: SyncProgressView
        notice: str | None
        error: str | None
        locked: bool
        revision: int
        _sync_quiet: bool
        _retry_after: float | None

        # Provided by FieldState and PinLock.
        @property
        def client(self) -> SyncClient: ...

        @property
        def readable(self) -> bool: ...

        def _changed(self) -> None: ...

        def _fresh_store(self, message: str) -> None: ...

        def _say(
            self, text: str, *, where: str | None = None, undo_contact_id: str | None = None
        ) -> None: ...

        def on_store_locked(self, exc: StoreLocked) -> None: ...

    # --- what AutoSync asks -----------------------------------------------------------
    @property
    def server_url(self) -> str | None:
        """The session's server, else the one this phone was enrolled on, else the one
        the environment names (development); None on a phone never enrolled."""
        if self.session is not None:
            return self.session.server_url
        enrolled = None if self.store.locked else self.store.server_url()
        return enrolled or self.config.server_url

    def retry_after(self) -> float | None:
        return self._retry_after

    def can_sync(self) -> bool:
        """Signed in, unlocked, past the PIN setup, no sync running."""
        return self.readable and not self.sync_progress.running

    def pending_count(self) -> int:
        return self.store.pending_count() if self.readable else 0

    async def run_auto_sync(self, auto: AutoSync | None = None) -> None:
        """Runs for the life of the page."""
        auto = auto or AutoSync(self, lambda: self.server_url, prober=self._probe)
        await auto.run(asyncio.Event())

    def _probe(self, url: str) -> bool:
        """The health check on the sync client's connection when it talks to `url`
        (the sync that follows reuses it), else on a connection of its own."""
        client = self.client if self.readable else None
        if client is not None and client.base_url == url.rstrip("/"):
            return client.probe(PROBE_TIMEOUT)
        return probe(url)

    def retry_rejected(self, op_id: str) -> None:
        """« Renvoyer »: a refused edit is sent again at the next sync."""
        if self.sync_progress.running:
            self.error = "Attendez la fin de la synchronisation pour renvoyer une saisie."
            return
        self.error = None
        if self.store.retry_rejected(op_id):
            self._say("Saisie remise en attente : elle repart à la prochaine synchronisation.")
        self._changed()

    def drop_rejected(self, op_id: str) -> None:
        """« Retirer »: the mediator gives up an edit the server refused."""
        if self.sync_progress.running:
            self.error = "Attendez la fin de la synchronisation pour retirer une saisie."
            return
        self.error = None
        outcome = self.store.drop_rejected(op_id)
        if outcome is not None:
            self._say(DROPPED[outcome])
        self._changed()

    # --- the sync itself ----------------------------------------------------------------
    async def sync(self, *, quiet: bool = False) -> bool:
        """Push then pull; True when it went through. `quiet` (automatic sync): no
        banner; the sync bar and the Synchronisation screen show the outcome and any
        error."""
        if not self._begin_sync(quiet):
            return False
        asked_on = current_route()  # where the outcome is shown
        changed = True
        ok = False
        # The banner of an earlier failed sync, which a success makes obsolete.
        stale_error = self.status.last_error if self.status else None
        if not quiet:
            self.error = None
        loop = asyncio.get_running_loop()

        def on_progress(p: SyncProgress) -> None:  # called in the worker thread
            loop.call_soon_threadsafe(self.sync_progress.show, p)

        self._retry_after = None
        try:
            report = await asyncio.to_thread(self.client.sync, on_progress)
            # Partners, QPV, colleagues and thématiques an admin changed since sign-in
            # arrive with every sync (one small request).
            refreshed = await asyncio.to_thread(self.client.fetch_referentials)
            if refreshed != self.referentials:
                self.referentials = refreshed
            self.online = True
            changed = bool(report.pushed or report.pulled)
            if self.error is not None and self.error == stale_error:
                self.error = None
            if not self._sync_quiet:
                self._say(sync_summary(report), where=asked_on)
            ok = True
        except DeviceRevoked as exc:
            self._fresh_store(str(exc))  # the client pushed what it could, then wiped
        except StoreLocked as exc:
            self.on_store_locked(exc)
        except SyncError as exc:
            if not self._sync_quiet:
                self.error = str(exc)
            if isinstance(exc, ServerUnreachable):
                self.online = False
            if isinstance(exc, ServerError):
                self._retry_after = exc.retry_after
        finally:
            self._end_sync(changed)
        return ok

    def _begin_sync(self, quiet: bool) -> bool:
        """Mark a sync as running; False when none may start now."""
        if self.session is None or self.locked:
            return False
        if self.sync_progress.running:
            if not quiet:
                # A tap during an automatic sync: that sync then reports as if tapped.
                self._sync_quiet = False
                self.syncing = True
            return False
        # The count shown during the sync is the one at its start (the store stays
        # busy under the sync's worker until the end).
        self.status = self.store.sync_status()
        self.sync_progress.running = True
        self.syncing = not quiet
        self._sync_quiet = quiet
        return True

    def _end_sync(self, changed: bool) -> None:
        self.syncing = False
        self.sync_progress.show(None)
        self.sync_progress.running = False
        if not self.locked and self._sync_quiet:
            # Not the mediator's doing: refresh (only if something moved, not to
            # disturb a form being typed), and keep the inactivity lock running.
            self.status = self.store.sync_status()  # notifies only if it differs
            if changed:
                self.revision += 1
        elif not self.locked:
            self._changed()
