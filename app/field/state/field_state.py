"""The field app's state: one observable object per session, made of parts that own
their fields (the lock, the running sync, the pathway actions, the search).

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
from app.field.context import current_route
from app.field.state.pathway_actions import PathwayActions
from app.field.state.person_record import parse_day
from app.field.state.person_search import PersonSearch
from app.field.state.pin_lock import PinLock
from app.field.state.store_view import LOCKED_VIEW, LockedView, person_name
from app.field.state.sync_actions import (
    DROPPED,
    SyncActions,
    SyncOutcome,
    SyncProgressView,
    sync_summary,
)
from app.store import DeviceSession, LocalRow, LocalStore, SyncStatus
from app.sync.auto import PROBE_TIMEOUT, AutoSync, probe
from app.sync.client import SyncClient
from app.sync.errors import AuthError, ServerUnreachable, SyncError
from domain.enrol import BadServerAddress, enrol_code_of, enrol_server_of, server_address_of
from domain.field_actions import (
    BAD_DAY,
    BAD_TIME,
    check_end,
    check_times,
    is_running,
    local_moment,
    parse_time,
)
from domain.sync import ReferentialsOut
from domain.vocabulary import Channel, EventType

ENROL_CODE_FORMAT = "Le code d'enrôlement a 8 caractères, par exemple ABCD-2345."
FIRST_LOGIN_OFFLINE = (
    "Serveur injoignable : la première connexion d'un téléphone demande du réseau. "
    "Réessayez une fois connecté."
)

NO_SERVER = (
    "Saisissez l'adresse du serveur Relais, donnée avec votre code d'enrôlement "
    "(par exemple https://relais.exemple.fr)."
)
LINK_AND_TYPED_DIFFER = (
    "L'adresse saisie n'est pas celle du lien d'enrôlement : effacez-la ou corrigez-la."
)


def other_server(enrolled: str) -> str:
    return (
        f"Ce téléphone est enrôlé sur le serveur {enrolled} : il ne peut pas changer de "
        "serveur. Demandez à votre administrateur de le réinitialiser pour l'enrôler "
        "sur un autre serveur."
    )


def _same_server(a: str, b: str) -> bool | None:
    """Whether two typed addresses name the same server (None: one is unreadable)."""
    try:
        return server_address_of(a) == server_address_of(b)
    except BadServerAddress:
        return None


CHANNEL_FOR_EVENT = {
    EventType.FOOT_OF_BUILDING: Channel.FOOT_OF_BUILDING,
    EventType.DROP_IN: Channel.DROP_IN,
}


def event_channel(event: LocalRow) -> Channel:
    """The channel of a contact met at this action de terrain (forums, ateliers and
    door-to-door rounds are face to face, counted as pied d'immeuble)."""
    return CHANNEL_FOR_EVENT.get(EventType(event.data["type"]), Channel.FOOT_OF_BUILDING)


def event_times(day: str, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """The start and end of an action typed as JJ/MM/AAAA, HH:MM, HH:MM; ValueError
    with a French reason when they are not valid or not in the past."""
    parsed_day = parse_day(day)
    if parsed_day is None:
        raise ValueError(BAD_DAY)
    start_time, end_time = parse_time(start), parse_time(end)
    if start_time is None or end_time is None:
        raise ValueError(BAD_TIME)
    starts_at = local_moment(parsed_day, start_time)
    ends_at = local_moment(parsed_day, end_time)
    reason = check_times(starts_at, ends_at, dt.datetime.now(dt.UTC))
    if reason is not None:
        raise ValueError(reason)
    return starts_at, ends_at


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def is_today(iso: str | None) -> bool:
    if not iso:
        return False
    return dt.datetime.fromisoformat(iso).astimezone().date() == dt.date.today()


@dataclass
class FieldState(ft.Observable):
    """The session's state. Its parts own their fields: `pin` the phone's lock,
    `sync_job` the running sync, `pathways` the pathway actions, `search` the
    Personnes search. Screens subscribe to this object only (`use_field`): a change in
    `pin`, `sync_job` or `pathways` is passed on to them, while `search` and
    `sync_job.progress` re-render only the widgets given those objects."""

    config: AppConfig
    store: LocalStore
    session: DeviceSession | None = None
    status: SyncStatus | None = None
    referentials: ReferentialsOut | None = None
    search: PersonSearch = field(default_factory=PersonSearch)
    """The Personnes search text (app/field/state/person_search.py)."""
    notice: str | None = None
    """The last action's message, shown on `notice_where` only (app/field/widgets/flash.py)."""
    notice_where: str | None = None
    """The route of the screen the action was taken on (None: unknown, any screen)."""
    notice_serial: int = 0
    """Bumped per message: a screen fades out the message it showed, not a newer one."""
    undo_contact_id: str | None = None
    """The last entry, when it is a contact: what « Annuler » deletes. Any other
    entry replaces or clears it, so « Annuler » never reaches further back."""
    event_notice: str | None = None
    """What « Mes actions » confirms (an action corrected or logged after the fact)."""
    error: str | None = None
    revision: int = 0
    """Bumped after every local write so that screens reading the store re-render."""
    busy: bool = False
    """A sign-in or an enrolment is talking to the server."""
    pin: PinLock = field(init=False)
    sync_job: SyncActions = field(init=False)
    pathways: PathwayActions = field(init=False)
    _client: SyncClient | None = field(default=None, repr=False)
    _watching: list[Callable[[], None]] = field(default_factory=list, init=False, repr=False)
    """The parts' subscriptions (their listeners live as long as these)."""

    def __post_init__(self) -> None:
        self.pin = PinLock(
            lambda: self.store,
            self.config.lock_seconds,
            on_unlock=self._load_unlocked,
            on_lock=self._forget_session,
            on_wipe=self._fresh_store,
        )
        self.sync_job = SyncActions()
        self.pathways = PathwayActions(
            store_of=lambda: self.store,
            view_of=lambda: self.view,
            user_of=lambda: self.user,
            referentials_of=lambda: self.referentials,
            on_write=self._done,
        )

        def pass_on(_sender: object, _field: str | None) -> None:
            self.notify()

        self._watching = [
            part.subscribe(pass_on) for part in (self.pin, self.sync_job, self.pathways)
        ]

    @classmethod
    def open(cls, config: AppConfig) -> FieldState:
        config.db_path.parent.mkdir(parents=True, exist_ok=True)
        state = cls(config=config, store=LocalStore(config.db_path))
        if not state.store.locked:
            state._load_unlocked()
        return state

    @property
    def client(self) -> SyncClient:
        if self._client is None:
            url = self.server_url
            if url is None:
                raise AuthError(NO_SERVER)
            self._client = SyncClient(self.store, url)
        return self._client

    @property
    def enrolled_server(self) -> str | None:
        """The server this phone was enrolled on (None: the login screen asks for one)."""
        return None if self.store.locked else self.store.server_url()

    @property
    def user(self) -> dict[str, Any]:
        return self.session.user if self.session else {}

    # --- what the parts hold, read as before -----------------------------------------
    @property
    def locked(self) -> bool:
        return self.pin.locked

    @property
    def syncing(self) -> bool:
        return self.sync_job.syncing

    @property
    def online(self) -> bool | None:
        return self.sync_job.online

    @online.setter
    def online(self, value: bool | None) -> None:
        self.sync_job.online = value

    @property
    def sync_progress(self) -> SyncProgressView:
        return self.sync_job.progress

    # --- reading what the store holds once the key is there ---------------------------
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

    def _forget_session(self) -> None:
        """The app locked: what the state held from the store is dropped with its key."""
        self.search.clear()
        self.session = None
        self.referentials = None
        self.status = None
        self._client = None

    def _fresh_store(self, message: str) -> None:
        """The file is gone (wiped): start again on a new empty one, at the login screen."""
        self.store = LocalStore(self.config.db_path)
        self.search.clear()
        self.session = None
        self.referentials = None
        self.status = self.store.sync_status()
        self._client = None
        self.pin.reset()
        self.error = message

    def keep_draft(self, key: str, values: dict[str, Any]) -> None:
        """What is being typed in a form, kept in the store as it is typed (a lock, a
        closed app or a dead battery loses none of it). Typing is the mediator's
        activity, though a phone's on-screen keyboard does not send its keys to the app as
        key events."""
        self.store.save_draft(key, values)
        self.pin.touch()

    def form_changed(self) -> None:
        """A field of a form typed in or a choice tapped (`context.use_field_form`)."""
        self.pin.touch()

    def search_typed(self, text: str) -> None:
        """The Personnes search as it is typed; typing is activity, as in a form."""
        self.search.set(text)
        self.pin.touch()

    def screen_drawn(self) -> None:
        """A screen is drawn again: moving between screens, or anything done on one, is
        the mediator's activity and pushes the automatic lock back; a screen redrawn by
        an automatic sync is not (it runs every few minutes when the server answers: a
        phone left on a table in range would never lock)."""
        if not self.sync_job.drawn_by_background():
            self.pin.touch()

    def _changed(self) -> None:
        self.pin.touch()
        self.status = self.store.sync_status()
        self.revision += 1

    def _done(self, message: str) -> None:
        self._say(message)
        self._changed()

    # --- session -------------------------------------------------------------
    async def login(self, username: str, password: str, server: str = "") -> bool:
        self.error = None
        if not username.strip() or not password:
            self.error = "Saisissez votre identifiant et votre mot de passe."
            return False
        client = await self._client_for(server, None)
        if client is None:
            return False
        return await self._sign_in(client, client.login, username.strip(), password, "téléphone")

    async def enrol(self, code: str, server: str = "") -> bool:
        """Enrol the phone with the one-time code shown in the console (no password),
        typed or pasted as the QR code's `relais://enrol?server=…&code=…` link."""
        self.error = None
        typed = enrol_code_of(code)
        if typed is None:
            self.error = ENROL_CODE_FORMAT
            return False
        client = await self._client_for(server, enrol_server_of(code))
        if client is None:
            return False
        return await self._sign_in(client, client.enrol, typed, "téléphone")

    async def _client_for(self, typed: str, from_link: str | None) -> SyncClient | None:
        """The client for the server to sign in to; None (with `error` set) when the
        address is missing, refused, or answers no Relais health check.

        An enrolled phone keeps its server: another one would receive its data."""
        enrolled = self.enrolled_server
        if enrolled is not None:
            if from_link is not None and _same_server(from_link, enrolled) is False:
                self.error = other_server(enrolled)
                return None
            return self.client
        if from_link and typed.strip() and _same_server(from_link, typed) is False:
            self.error = LINK_AND_TYPED_DIFFER
            return None
        wanted = from_link or typed.strip() or self.config.server_url
        if not wanted:
            self.error = NO_SERVER
            return None
        try:
            url = server_address_of(wanted)
        except BadServerAddress as exc:
            self.error = str(exc)
            return None
        client = SyncClient(self.store, url)
        self.busy = True
        try:
            await asyncio.to_thread(client.check_server)
        except SyncError as exc:
            client.close()
            self.error = str(exc)
            self.online = False
            return None
        finally:
            self.busy = False
        return client

    async def _sign_in(
        self, client: SyncClient, call: Callable[..., DeviceSession], *args: str
    ) -> bool:
        self.busy = True
        try:
            session = await asyncio.to_thread(call, *args)
            self.referentials = await asyncio.to_thread(client.fetch_referentials)
        except SyncError as exc:
            if client is not self._client:
                client.close()  # a server the phone is not enrolled on: forgotten
            self.error = FIRST_LOGIN_OFFLINE if isinstance(exc, ServerUnreachable) else str(exc)
            self.online = False if isinstance(exc, ServerUnreachable) else self.online
            return False
        finally:
            self.busy = False
        if client is not self._client:
            if self._client is not None:
                self._client.close()
            self._client = client
        self.session = session
        self.online = True
        self._changed()
        return True

    def logout(self) -> None:
        # Forget the token only: rows and the outbox stay until acknowledged.
        self.store.clear_session()
        self.search.clear()
        self.session = None
        if self._client is not None and not self.sync_progress.running:
            self._client.close()  # a running sync's worker still holds it
        self._client = None

    # --- events and contacts ------------------------------------------------
    def current_event(self) -> LocalRow | None:
        """The mediator's action de terrain running now (started today, not ended)."""
        me = self.user.get("id")
        for row in self.view.rows("event", order_by="starts_at", descending=True, limit=20):
            data = row.data
            if (
                is_today(data.get("starts_at"))
                and me in (data.get("mediator_ids") or [])
                and is_running(data)
            ):
                return row
        return None

    def open_events(self) -> None:
        self.event_notice = None

    def my_events(self, limit: int = 60) -> list[LocalRow]:
        """The mediator's actions de terrain, latest first."""
        me = self.user.get("id")
        mine = [r for r in self.view.rows("event") if me in (r.data.get("mediator_ids") or [])]
        # Two actions started within the same second: the later created (uuid7) first.
        mine.sort(key=lambda r: (str(r.data.get("starts_at")), r.id), reverse=True)
        return mine[:limit]

    def event_contact_counts(self) -> dict[str, int]:
        """Live contacts per action de terrain."""
        counts: dict[str, int] = {}
        for row in self.view.rows("contact"):
            if event_id := row.data.get("event_id"):
                counts[event_id] = counts.get(event_id, 0) + 1
        return counts

    def start_event(self, values: dict[str, Any]) -> str:
        """Start an action now; the one still running, if any, ends at this moment (a
        contact belongs to one action, the latest started)."""
        now = now_iso()
        running = self.current_event()
        if running is not None:
            self.store.update("event", running.id, {"ends_at": now})
        values = {"starts_at": now, "mediator_ids": [self.user["id"]], **values}
        event_id = self.store.create("event", values)
        self._say(
            "Action précédente terminée, nouvelle action démarrée."
            if running is not None
            else "Action de terrain démarrée."
        )
        self._changed()
        return event_id

    def end_event(self, event_id: str) -> bool:
        """« Terminer l'action »: later contacts are no longer filed under it."""
        row = self.view.get("event", event_id)
        if row is None:
            self.error = "Action introuvable sur ce téléphone."
            return False
        reason = check_end(row.data, dt.datetime.now(dt.UTC))
        if reason is not None:
            self.error = reason
            return False
        self.store.update("event", event_id, {"ends_at": now_iso()})
        self.error = None
        self.undo_contact_id = None  # « Annuler » would now undo the wrong thing
        self._say("Action terminée.")
        self._changed()
        return True

    def record_past_event(self, values: dict[str, Any], day: str, start: str, end: str) -> str:
        """An action logged after the fact with its real times (a permanence written
        up in the evening). Raises ValueError with a French reason; nothing is saved."""
        starts_at, ends_at = event_times(day, start, end)
        values = {
            "mediator_ids": [self.user["id"]],
            **values,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        }
        event_id = self.store.create("event", values)
        self.event_notice = "Action passée enregistrée."
        self._changed()
        return event_id

    def update_event(
        self, event_id: str, values: dict[str, Any], times: tuple[str, str, str] | None = None
    ) -> None:
        """Correct an action (type, place, QPV, axe, partners, colleagues and, for an
        ended one, its times). Raises ValueError with a French reason."""
        changes = dict(values)
        if times is not None:
            starts_at, ends_at = event_times(*times)
            changes["starts_at"] = starts_at.isoformat()
            changes["ends_at"] = ends_at.isoformat()
        self.store.update("event", event_id, changes)
        self.event_notice = "Action corrigée."
        self._changed()

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
        contact_id = self.store.create("contact", values)
        self._say("Contact anonyme compté.", undo_contact_id=contact_id)
        self._changed()

    def undo_last_contact(self) -> None:
        """« Annuler »: delete the last entry, only when it is a contact."""
        if self.undo_contact_id:
            self.store.delete("contact", self.undo_contact_id)
            self._say("Contact annulé.")
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
        contact_id = self.store.create(
            "contact", {**self._contact_base(channel), **contact, "person_id": person_id}
        )
        # Shown on the person's record, where the app goes next.
        self._say("Contact enregistré.", where=f"/personne/{person_id}", undo_contact_id=contact_id)
        self._changed()
        return person_id

    def add_contact(
        self, person_id: str, values: dict[str, Any], channel: Channel | None = None
    ) -> str:
        """Log a contact with a person; `channel` as the mediator chose it (default:
        the running action's)."""
        contact_id = self.store.create(
            "contact", {**self._contact_base(channel), **values, "person_id": person_id}
        )
        self.pathways.undo_orientation_id = None  # « Annuler » now undoes this contact
        self._say("Contact enregistré.", undo_contact_id=contact_id)
        self._changed()
        return contact_id

    def today_contacts(self) -> list[LocalRow]:
        rows = self.view.rows("contact", order_by="occurred_at", descending=True, limit=200)
        return [r for r in rows if is_today(r.data.get("occurred_at"))]

    def person_name(self, person_id: str | None) -> str | None:
        return person_name(self.view, person_id)

    def last_contact_is_anonymous(self) -> bool:
        """The last entry is a contact without a person (a tap on the quick tally)."""
        row = self.view.get("contact", self.undo_contact_id) if self.undo_contact_id else None
        return row is not None and not row.deleted and not row.data.get("person_id")

    # --- sync ---------------------------------------------------------------------------
    @property
    def server_url(self) -> str | None:
        """The session's server, else the one this phone was enrolled on, else the one
        the environment names (development); None on a phone never enrolled."""
        if self.session is not None:
            return self.session.server_url
        enrolled = None if self.store.locked else self.store.server_url()
        return enrolled or self.config.server_url

    def retry_after(self) -> float | None:
        return self.sync_job.retry_after()

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

    async def sync(self, *, quiet: bool = False) -> bool:
        """Push then pull; True when it went through. `quiet` (automatic sync): no
        banner; the sync bar and the Synchronisation screen show the outcome and any
        error."""
        if self.session is None or self.locked or not self.sync_job.begin(quiet):
            return False
        # The count shown during the sync is the one at its start (the store stays
        # busy under the sync's worker until the end).
        self.status = self.store.sync_status()
        asked_on = current_route()  # where the outcome is shown
        # The banner of an earlier failed sync, which a success makes obsolete.
        stale_error = self.status.last_error
        if not quiet:
            self.error = None
        outcome = SyncOutcome()
        try:
            outcome = await self.sync_job.run(lambda: self.client)
            self._apply_sync(outcome, asked_on, stale_error)
        finally:
            self._end_sync(outcome.changed)
        return outcome.report is not None

    def _apply_sync(self, outcome: SyncOutcome, asked_on: str | None, stale: str | None) -> None:
        report, quiet = outcome.report, self.sync_job.quiet
        if report is not None:
            if outcome.referentials != self.referentials:
                self.referentials = outcome.referentials
            if self.error is not None and self.error == stale:
                self.error = None
            if not quiet:
                self._say(sync_summary(report), where=asked_on)
        elif outcome.revoked is not None:
            self._fresh_store(outcome.revoked)  # the client pushed what it could, then wiped
        elif outcome.store_locked:
            self.pin.on_store_locked()
        elif not quiet:
            self.error = outcome.error

    def _end_sync(self, changed: bool) -> None:
        self.sync_job.end()
        if not self.locked and self.sync_job.quiet:
            # Not the mediator's doing: refresh (only if something moved, not to
            # disturb a form being typed), and keep the inactivity lock running.
            self.status = self.store.sync_status()  # notifies only if it differs
            if changed:
                self.revision += 1
        elif not self.locked:
            self._changed()

    # --- messages -------------------------------------------------------------------------
    def _say(
        self, text: str, *, where: str | None = None, undo_contact_id: str | None = None
    ) -> None:
        """A message for the screen the action was taken on (`where`: the route it is
        shown on instead, when the action moves to another screen)."""
        self.notice = text
        self.notice_where = where if where is not None else current_route()
        self.notice_serial += 1
        self.undo_contact_id = undo_contact_id

    def notice_for(self, route: str) -> str | None:
        """The message the screen at `route` shows, if it is that screen's."""
        if self.notice is None or self.notice_where not in (None, route):
            return None
        return self.notice

    def carry_notice(self, route: str) -> None:
        """The screen moves on after its action (a form closes): the action's message
        goes with it to the screen shown next."""
        if self.notice is not None and self.notice_where == current_route():
            self.notice_where = route

    def expire_notice(self, serial: int) -> None:
        """The message has been read (it faded out): drop it unless a newer one came."""
        if serial == self.notice_serial:
            self.notice = None

    def dismiss_notice(self) -> None:
        self.notice = None
