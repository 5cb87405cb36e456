"""The field app's state: one observable object per session, methods that change it.

Network calls (sign-in, referentials, the sync client) and the PIN's key derivation
run in a worker thread (`asyncio.to_thread`) so the UI loop never waits on them; the
sync reports its progress back with `call_soon_threadsafe`. Local store reads and
writes (one small SQLite transaction each) are called on the loop itself, so a tap
is saved before the screen moves on; while a sync's worker holds the store, they wait
for its current transaction. Observable fields are only assigned on the loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.config import AppConfig
from app.field.state.pathway_actions import PathwayActions
from app.field.state.person_search import PersonSearch
from app.field.state.pin_lock import PinLock
from app.field.state.sync_actions import SyncActions, SyncProgressView
from app.store import DeviceSession, LocalRow, LocalStore, SyncStatus
from app.sync.client import SyncClient
from app.sync.errors import ServerUnreachable, SyncError
from domain.enrol import enrol_code_of
from domain.entities import person_display_name
from domain.sync import ReferentialsOut
from domain.vocabulary import Channel, EventType

ENROL_CODE_FORMAT = "Le code d'enrôlement a 8 caractères, par exemple ABCD-2345."
FIRST_LOGIN_OFFLINE = (
    "Serveur injoignable : la première connexion d'un téléphone demande du réseau. "
    "Réessayez une fois connecté."
)

CHANNEL_FOR_EVENT = {
    EventType.FOOT_OF_BUILDING: Channel.FOOT_OF_BUILDING,
    EventType.DROP_IN: Channel.DROP_IN,
}


def event_channel(event: LocalRow) -> Channel:
    """The channel of a contact met at this action de terrain (forums, ateliers and
    door-to-door rounds are face to face, counted as pied d'immeuble)."""
    return CHANNEL_FOR_EVENT.get(EventType(event.data["type"]), Channel.FOOT_OF_BUILDING)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def is_today(iso: str | None) -> bool:
    if not iso:
        return False
    return dt.datetime.fromisoformat(iso).astimezone().date() == dt.date.today()


@ft.observable
@dataclass
class FieldState(PinLock, PathwayActions, SyncActions):
    config: AppConfig
    store: LocalStore
    session: DeviceSession | None = None
    status: SyncStatus | None = None
    referentials: ReferentialsOut | None = None
    syncing: bool = False
    online: bool | None = None
    sync_progress: SyncProgressView = field(default_factory=SyncProgressView)
    """What a running sync is doing, e.g. "Envoi 500/5000…" (its own observable)."""
    search: PersonSearch = field(default_factory=PersonSearch)
    """The Personnes search text (app/field/state/person_search.py)."""
    notice: str | None = None
    undo_contact_id: str | None = None
    error: str | None = None
    revision: int = 0
    """Bumped after every local write so that screens reading the store re-render."""
    busy: bool = False
    _client: SyncClient | None = field(default=None, repr=False)
    _sync_quiet: bool = field(default=True, repr=False)
    """The running sync is an automatic one nobody asked for (no banner)."""
    # Phone security (app/field/state/pin_lock.py).
    locked: bool = False
    """A PIN exists and has not been typed since start or the last lock."""
    pin_error: str | None = None
    pin_blocked: bool = False
    """Too many wrong PINs: only an acknowledged wipe is left."""
    _last_activity: float = field(default=0.0, repr=False)

    @classmethod
    def open(cls, config: AppConfig) -> FieldState:
        config.db_path.parent.mkdir(parents=True, exist_ok=True)
        store = LocalStore(config.db_path)
        state = cls(config=config, store=store, locked=store.locked)
        if not store.locked:
            state._load_unlocked()
        return state

    @property
    def client(self) -> SyncClient:
        if self._client is None:
            url = self.session.server_url if self.session else self.config.server_url
            self._client = SyncClient(self.store, url)
        return self._client

    @property
    def user(self) -> dict[str, Any]:
        return self.session.user if self.session else {}

    def _changed(self) -> None:
        self.touch()
        self.status = self.store.sync_status()
        self.revision += 1

    # --- session -------------------------------------------------------------
    async def login(self, username: str, password: str) -> bool:
        self.error = None
        if not username.strip() or not password:
            self.error = "Saisissez votre identifiant et votre mot de passe."
            return False
        return await self._sign_in(self.client.login, username.strip(), password, "téléphone")

    async def enrol(self, code: str) -> bool:
        """Enrol the phone with the one-time code shown in the console (no password)."""
        self.error = None
        typed = enrol_code_of(code)
        if typed is None:
            self.error = ENROL_CODE_FORMAT
            return False
        return await self._sign_in(self.client.enrol, typed, "téléphone")

    async def _sign_in(self, call: Callable[..., DeviceSession], *args: str) -> bool:
        self.busy = True
        try:
            session = await asyncio.to_thread(call, *args)
            self.referentials = await asyncio.to_thread(self.client.fetch_referentials)
        except ServerUnreachable:
            self.error = FIRST_LOGIN_OFFLINE
            self.online = False
            return False
        except SyncError as exc:
            self.error = str(exc)
            return False
        finally:
            self.busy = False
        self.session = session
        self.online = True
        self._changed()
        return True

    # --- events and contacts ------------------------------------------------
    def current_event(self) -> LocalRow | None:
        """The mediator's latest action de terrain started today, if any."""
        me = self.user.get("id")
        for row in self.view.rows("event", order_by="starts_at", descending=True, limit=20):
            if is_today(row.data.get("starts_at")) and me in (row.data.get("mediator_ids") or []):
                return row
        return None

    def start_event(self, values: dict[str, Any]) -> str:
        values = {"starts_at": now_iso(), "mediator_ids": [self.user["id"]], **values}
        event_id = self.store.create("event", values)
        self.notice = "Action de terrain démarrée."
        self._changed()
        return event_id

    def default_contact_channel(self) -> Channel:
        """The channel a contact added from a person's page most likely had: the
        running action's own, else a phone call (outside an action de terrain, the
        usual way a mediator follows someone up)."""
        event = self.current_event()
        return event_channel(event) if event is not None else Channel.PHONE

    def _contact_base(self, channel: Channel | None = None) -> dict[str, Any]:
        """Time, mediator, channel (the running action's unless told) and the action
        itself when the contact belongs to it."""
        event = self.current_event()
        own = event_channel(event) if event is not None else Channel.FOOT_OF_BUILDING
        chosen = channel or own
        base: dict[str, Any] = {
            "occurred_at": now_iso(),
            "mediator_id": self.user["id"],
            "channel": chosen.value,
        }
        # A call or an escort made while an action runs is not a contact of that action
        # (it would count in the action's tally and QPV).
        if event is not None and chosen == own:
            base["event_id"] = event.id
        return base

    def quick_contact(self, age_band: str, gender: str | None, qpv: str | None) -> None:
        values = {**self._contact_base(), "age_band": age_band}
        if gender:
            values["gender"] = gender
        if qpv:
            values["qpv_resident"] = qpv
        self.undo_contact_id = self.store.create("contact", values)
        self.notice = "Contact anonyme compté."
        self._changed()

    def undo_quick_contact(self) -> None:
        if self.undo_contact_id:
            self.store.delete("contact", self.undo_contact_id)
            self.undo_contact_id = None
            self.notice = "Contact annulé."
            self._changed()

    def save_person_with_contact(
        self,
        person: dict[str, Any],
        contact: dict[str, Any],
        existing_id: str | None,
        *,
        channel: Channel | None = None,
    ) -> str:
        """Create (or reuse) a person and log an identified contact with them (`channel`:
        as the mediator chose it; default, the running action's)."""
        person_id = existing_id or self.store.create("person", person)
        self.store.create(
            "contact", {**self._contact_base(channel), **contact, "person_id": person_id}
        )
        self.undo_contact_id = None
        self.notice = "Contact enregistré."
        self._changed()
        return person_id

    def today_contacts(self) -> list[LocalRow]:
        rows = self.view.rows("contact", order_by="occurred_at", descending=True, limit=200)
        return [r for r in rows if is_today(r.data.get("occurred_at"))]

    def person_name(self, person_id: str | None) -> str | None:
        if not person_id:
            return None
        row = self.view.get("person", person_id)
        if row is None:
            return None
        return person_display_name(row.data)

    def dismiss_notice(self) -> None:
        self.notice = None
        self.undo_contact_id = None
