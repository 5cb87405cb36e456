"""FastAPI dependencies: database session, authenticated device/user, roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from domain.hlc import HlcClock
from domain.periods import as_utc
from domain.sync import MIN_SCHEMA_VERSION
from domain.vocabulary import Role
from sync_server.core.db import begin_write
from sync_server.core.security import token_hash
from sync_server.core.sessions import session_expired
from sync_server.core.settings import Settings
from sync_server.models import AppUser, Device, utcnow

_bearer = HTTPBearer(auto_error=False)
# Where `_device_for_token` keeps the device's user for the request (Session.info).
_AUTH_USER = "relais_auth_user"
# last_seen_at is informative; refreshing it at most this often avoids a write per request.
_SEEN_GRANULARITY = dt.timedelta(minutes=1)
# A revoked device may still push what it logged before revocation for this long.
REVOKED_PUSH_GRACE = dt.timedelta(days=30)
DEVICE_REVOKED = (
    "Cet appareil a été révoqué : ses données locales vont être effacées. "
    "Reconnectez-vous ou contactez votre superviseur."
)


class DeviceRevoked(Exception):
    """→ 401 `{"detail": ..., "code": "device_revoked"}`: the client wipes its data."""


class SchemaTooOld(Exception):
    """The client speaks a schema older than the server still accepts (→ 426)."""

    def __init__(self, schema_version: int) -> None:
        super().__init__(schema_version)
        self.schema_version = schema_version


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency
# in a worker thread, a hop that costs more CPU than most of them do.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> HlcClock:
    clock: HlcClock = request.app.state.clock
    return clock


async def get_session(request: Request) -> AsyncIterator[Session]:
    engine: Engine = request.app.state.engine
    # expire_on_commit=False: the authenticated user stays usable after auth commits.
    # Making a session does no I/O (it connects on first use); closing one does only
    # when a transaction is still open (a rollback), and then runs in a worker thread
    # outside the request threads' limit (as FastAPI does for a `def` dependency's
    # exit): when every request thread waits for a pooled connection, a close queued
    # behind them would never return its own.
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close, limiter=CapacityLimiter(1))
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[HlcClock, Depends(get_clock)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


# Built once: statement construction costs more CPU than the lookup itself.
_DEVICE_AND_USER = (
    select(Device, AppUser)
    .join(AppUser, AppUser.id == Device.user_id)  # type: ignore[arg-type]
    .where(Device.token_hash == bindparam("token_hash"))
)
_MARK_SEEN = (
    update(Device)
    .where(Device.id == bindparam("device_id"))  # type: ignore[arg-type]
    .values(last_seen_at=bindparam("now"))
)


def _device_for_token(session: Session, credentials: HTTPAuthorizationCredentials | None) -> Device:
    """The token's device, its user loaded in the same query and kept in `session.info`
    (`_active_user` reads it from there: no second query, no I/O)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("Authentification requise : connectez-vous.")
    found = session.exec(
        _DEVICE_AND_USER, params={"token_hash": token_hash(credentials.credentials)}
    ).first()
    if found is None:
        raise _unauthorized("Jeton inconnu : reconnectez-vous.")
    device, session.info[_AUTH_USER] = found
    return device


def get_current_device(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Device:
    device = _device_for_token(session, credentials)
    if device.revoked_at is not None:
        raise DeviceRevoked()
    return _seen(session, device)


def get_pushing_device(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Device:
    """Like `get_current_device`, but a device revoked less than 30 days ago may push
    (the route keeps only its ops dated before the revocation).

    `last_seen_at` is not written here: the push route calls `mark_seen` inside its
    own write transaction (one transaction per push instead of two)."""
    device = _device_for_token(session, credentials)
    if device.revoked_at is not None and utcnow() - as_utc(device.revoked_at) > REVOKED_PUSH_GRACE:
        raise DeviceRevoked()
    if session_expired(device, now=utcnow()):
        raise _unauthorized("Session expirée : reconnectez-vous.")
    # End the read transaction so the route can open its own (BEGIN IMMEDIATE).
    session.commit()
    return device


def _seen_due(device: Device, now: dt.datetime) -> bool:
    seen = device.last_seen_at
    return seen is None or now - as_utc(seen) > _SEEN_GRANULARITY  # SQLite: naive


def mark_seen(session: Session, device: Device) -> None:
    """Refresh `last_seen_at` (the sliding session) inside the caller's write
    transaction, at most once a minute; the caller commits."""
    now = utcnow()
    if _seen_due(device, now):
        session.connection().execute(_MARK_SEEN, {"device_id": device.id, "now": now})
        # The row is written: the object shows it without becoming dirty itself.
        set_committed_value(device, "last_seen_at", now)


def _seen(session: Session, device: Device) -> Device:
    now = utcnow()
    if session_expired(device, now=now):
        raise _unauthorized("Session expirée : reconnectez-vous.")
    if _seen_due(device, now):
        # End the read before writing: on SQLite, a read transaction that turns into a
        # write fails at once ("database is locked", no busy wait) when another writer
        # committed meanwhile; a write transaction (BEGIN IMMEDIATE) waits its turn.
        session.commit()
        begin_write(session)
        mark_seen(session, device)
    # End the read transaction so a writer route can open its own (BEGIN IMMEDIATE).
    session.commit()
    return device


CurrentDevice = Annotated[Device, Depends(get_current_device)]
PushingDevice = Annotated[Device, Depends(get_pushing_device)]


def _active_user(session: Session, device: Device) -> AppUser:
    # Read with the device in this request's session (`_device_for_token`), never
    # expired (expire_on_commit is off).
    user = session.info.get(_AUTH_USER)
    if user is None or user.id != device.user_id:  # a device loaded some other way
        user = session.get(AppUser, device.user_id)
        session.commit()
    if user is None or not user.active:
        raise _unauthorized("Compte désactivé : contactez votre administrateur.")
    return user


async def get_current_user(session: SessionDep, device: CurrentDevice) -> AppUser:
    return _active_user(session, device)


async def get_pushing_user(session: SessionDep, device: PushingDevice) -> AppUser:
    return _active_user(session, device)


CurrentUser = Annotated[AppUser, Depends(get_current_user)]
PushingUser = Annotated[AppUser, Depends(get_pushing_user)]


PARTNER_ELSEWHERE = (
    "Introuvable : un compte partenaire ne voit que les orientations de sa structure."
)


PROGRAMME_ELSEWHERE = (
    "Introuvable : un compte programme ne voit que les indicateurs agrégés de ses cités."
)


def refuse_partner(user: AppUser) -> None:
    """A partner account reaches its structure's orientations and nothing else, a
    programme account its cités' aggregated indicators: every other route answers
    404, as for a record of another cité (nothing to learn)."""
    if user.role == Role.PARTNER:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=PARTNER_ELSEWHERE)
    if user.role == Role.PROGRAMME:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=PROGRAMME_ELSEWHERE)


async def get_member(user: CurrentUser) -> AppUser:
    """A member of the cité's team (sync, referentials): not a partner account."""
    refuse_partner(user)
    return user


async def get_pushing_member(user: PushingUser) -> AppUser:
    refuse_partner(user)
    return user


MemberUser = Annotated[AppUser, Depends(get_member)]
PushingMember = Annotated[AppUser, Depends(get_pushing_member)]


async def get_partner(user: CurrentUser) -> AppUser:
    """A partner account attached to a structure: the only caller of /partner routes."""
    if user.role == Role.PROGRAMME:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=PROGRAMME_ELSEWHERE)
    if user.role != Role.PARTNER:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Réservé aux comptes des structures partenaires."
        )
    if user.partner_id is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="Ce compte partenaire n'est rattaché à aucune structure : "
            "contactez votre administrateur.",
        )
    return user


PartnerUser = Annotated[AppUser, Depends(get_partner)]


async def get_supervisor(user: CurrentUser) -> AppUser:
    refuse_partner(user)
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Réservé aux superviseurs et administrateurs."
        )
    return user


SupervisorUser = Annotated[AppUser, Depends(get_supervisor)]


async def check_schema_header(
    x_relais_schema_version: Annotated[int | None, Header()] = None,
) -> int | None:
    if x_relais_schema_version is not None and x_relais_schema_version < MIN_SCHEMA_VERSION:
        raise SchemaTooOld(x_relais_schema_version)
    return x_relais_schema_version


SchemaHeader = Annotated[int | None, Depends(check_schema_header)]
