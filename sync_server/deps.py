"""FastAPI dependencies: database session, authenticated device/user, roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from domain.hlc import HlcClock
from domain.sync import MIN_SCHEMA_VERSION
from domain.vocabulary import Role
from sync_server.crud import users as crud_users
from sync_server.db import begin_write
from sync_server.models import AppUser, Device, utcnow
from sync_server.sessions import session_expired
from sync_server.settings import Settings

_bearer = HTTPBearer(auto_error=False)
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


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_clock(request: Request) -> HlcClock:
    clock: HlcClock = request.app.state.clock
    return clock


def get_session(request: Request) -> Iterator[Session]:
    engine: Engine = request.app.state.engine
    # expire_on_commit=False: the authenticated user stays usable after auth commits.
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[HlcClock, Depends(get_clock)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _device_for_token(session: Session, credentials: HTTPAuthorizationCredentials | None) -> Device:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("Authentification requise : connectez-vous.")
    device = crud_users.get_device_by_token(session, token=credentials.credentials)
    if device is None:
        raise _unauthorized("Jeton inconnu : reconnectez-vous.")
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
    (the route keeps only its ops dated before the revocation)."""
    device = _device_for_token(session, credentials)
    if device.revoked_at is not None and utcnow() - _aware(device.revoked_at) > REVOKED_PUSH_GRACE:
        raise DeviceRevoked()
    return _seen(session, device)


def _seen(session: Session, device: Device) -> Device:
    now = utcnow()
    if session_expired(device, now=now):
        raise _unauthorized("Session expirée : reconnectez-vous.")
    seen = device.last_seen_at
    if seen is not None and seen.tzinfo is None:
        seen = seen.replace(tzinfo=dt.UTC)  # SQLite returns naive datetimes
    if seen is None or now - seen > _SEEN_GRANULARITY:
        # End the read before writing: on SQLite, a read transaction that turns into a
        # write fails at once ("database is locked", no busy wait) when another writer
        # committed meanwhile; a write transaction (BEGIN IMMEDIATE) waits its turn.
        session.commit()
        begin_write(session)
        device.last_seen_at = now
        session.add(device)
    # End the read transaction so a writer route can open its own (BEGIN IMMEDIATE).
    session.commit()
    return device


CurrentDevice = Annotated[Device, Depends(get_current_device)]
PushingDevice = Annotated[Device, Depends(get_pushing_device)]


def _active_user(session: Session, device: Device) -> AppUser:
    user = session.get(AppUser, device.user_id)
    session.commit()
    if user is None or not user.active:
        raise _unauthorized("Compte désactivé : contactez votre administrateur.")
    return user


def get_current_user(session: SessionDep, device: CurrentDevice) -> AppUser:
    return _active_user(session, device)


def get_pushing_user(session: SessionDep, device: PushingDevice) -> AppUser:
    return _active_user(session, device)


CurrentUser = Annotated[AppUser, Depends(get_current_user)]
PushingUser = Annotated[AppUser, Depends(get_pushing_user)]


def get_supervisor(user: CurrentUser) -> AppUser:
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Réservé aux superviseurs et administrateurs."
        )
    return user


SupervisorUser = Annotated[AppUser, Depends(get_supervisor)]


def check_schema_header(
    x_relais_schema_version: Annotated[int | None, Header()] = None,
) -> int | None:
    if x_relais_schema_version is not None and x_relais_schema_version < MIN_SCHEMA_VERSION:
        raise SchemaTooOld(x_relais_schema_version)
    return x_relais_schema_version


SchemaHeader = Annotated[int | None, Depends(check_schema_header)]
