"""The running sync, a part of `FieldState` owning the sync's own fields.

`SyncActions.run` runs the sync client in a worker thread, reports its progress on
the loop and returns what came of it (`SyncOutcome`); the state applies that outcome
to what the screens show (`FieldState.sync`). `FieldState.run_auto_sync` runs for
the life of the page (started next to `watch_inactivity`): it probes the server every
few seconds (RELAIS_AUTOSYNC_SECONDS) and syncs when the server answers and ops are
waiting. Nothing syncs while the app is locked, on the PIN screen or signed out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flet as ft

from app.store import StoreLocked
from app.sync.client import SyncProgress
from app.sync.errors import DeviceRevoked, ServerError, ServerUnreachable, SyncError

if TYPE_CHECKING:
    from app.sync.client import SyncClient, SyncReport
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


@dataclass(frozen=True)
class SyncOutcome:
    """What came of one sync: a report (it went through), or why not."""

    report: SyncReport | None = None
    referentials: ReferentialsOut | None = None
    """Partners, QPV, colleagues and thématiques as the server has them now."""
    error: str | None = None
    """The refusal or failure, in French."""
    revoked: str | None = None
    """The device was revoked: the client pushed what it could, then wiped the store."""
    store_locked: bool = False
    """The app locked during the sync: nothing was half-written."""

    @property
    def changed(self) -> bool:
        """Something was sent or received (unknown after a failure: assume so)."""
        return self.report is None or bool(self.report.pushed or self.report.pulled)


@dataclass
class SyncActions(ft.Observable):
    """The sync's own state: whether one runs, whether the server answers."""

    syncing: bool = False
    """A sync the mediator asked for runs (`progress.running`: any sync)."""
    online: bool | None = None
    progress: SyncProgressView = field(default_factory=SyncProgressView)
    """What a running sync is doing, e.g. "Envoi 500/5000…" (its own observable)."""
    _quiet: bool = field(default=True, repr=False)
    """The running (or last) sync is an automatic one nobody asked for (no banner)."""
    _retry_after: float | None = field(default=None, repr=False)
    """The `Retry-After` of the last failed sync's refusal (AutoSync waits that long)."""
    _undrawn_background: bool = field(default=False, repr=False)
    """An automatic sync started since the screen was last drawn."""

    @property
    def quiet(self) -> bool:
        return self._quiet

    def retry_after(self) -> float | None:
        return self._retry_after

    def begin(self, quiet: bool) -> bool:
        """Mark a sync as running; False when one already runs."""
        if self.progress.running:
            if not quiet:
                # A tap during an automatic sync: that sync then reports as if tapped.
                self._quiet = False
                self.syncing = True
            return False
        self.progress.running = True
        self.syncing = not quiet
        self._quiet = quiet
        self._undrawn_background = quiet
        return True

    def drawn_by_background(self) -> bool:
        """Whether the screen now being drawn is an automatic sync's doing: one runs,
        or ended since the last drawing (its counts and the rows it brought are shown).
        A tap on « Synchroniser » during it makes it the mediator's."""
        background = self._undrawn_background and self._quiet
        if not self.progress.running:
            self._undrawn_background = False
        return background

    async def run(self, client: Callable[[], SyncClient]) -> SyncOutcome:
        """Push then pull in a worker thread, then fetch the referentials (an admin
        may have changed them since sign-in: one small request with every sync)."""
        loop = asyncio.get_running_loop()

        def on_progress(p: SyncProgress) -> None:  # called in the worker thread
            loop.call_soon_threadsafe(self.progress.show, p)

        self._retry_after = None
        try:
            report = await asyncio.to_thread(client().sync, on_progress)
            referentials = await asyncio.to_thread(client().fetch_referentials)
        except DeviceRevoked as exc:
            return SyncOutcome(revoked=str(exc))
        except StoreLocked:
            return SyncOutcome(store_locked=True)
        except SyncError as exc:
            if isinstance(exc, ServerUnreachable):
                self.online = False
            if isinstance(exc, ServerError):
                self._retry_after = exc.retry_after
            return SyncOutcome(error=str(exc))
        self.online = True
        return SyncOutcome(report=report, referentials=referentials)

    def end(self) -> None:
        self.syncing = False
        self.progress.show(None)
        self.progress.running = False
