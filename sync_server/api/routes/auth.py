from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlmodel import Session

from domain.sync import LoginRequest, LoginResponse, UserPublic
from sync_server.api.deps import CurrentDevice, SessionDep, SettingsDep
from sync_server.core.db import begin_write
from sync_server.core.observability import LOGIN_FAILURES
from sync_server.core.sessions import idle_timeout_minutes
from sync_server.core.settings import Settings
from sync_server.crud import login_throttle
from sync_server.crud import users as crud_users
from sync_server.crud.audit import Actor, record_audit
from sync_server.models import AppUser, utcnow

router = APIRouter(prefix="/auth", tags=["auth"])

THROTTLED: dict[int | str, dict[str, object]] = {
    429: {"description": "Trop de tentatives : réessayez après Retry-After secondes."}
}


def reserve_attempt(
    session: Session,
    settings: Settings,
    *,
    username: str,
    client_ip: str | None,
    now: dt.datetime,
    prefix: str = "",
) -> tuple[int | None, list[str]]:
    """`login_throttle.reserve_attempt` under the settings' limit and window."""
    return login_throttle.reserve_attempt(
        session,
        username=username,
        client_ip=client_ip,
        now=now,
        max_failures=settings.login_max_failures,
        window=dt.timedelta(minutes=settings.login_window_minutes),
        prefix=prefix,
    )


def too_many_attempts(detail: str, wait: int) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS, detail=detail, headers={"Retry-After": str(wait)}
    )


@router.post("/login", response_model=LoginResponse, responses=THROTTLED)
def login(
    session: SessionDep, settings: SettingsDep, body: LoginRequest, request: Request
) -> LoginResponse:
    now = utcnow()
    client_ip = request.client.host if request.client else None
    wait, counted = reserve_attempt(
        session, settings, username=body.username, client_ip=client_ip, now=now
    )
    if wait is not None:
        minutes = max(1, round(wait / 60))
        raise too_many_attempts(
            "Trop de tentatives de connexion : réessayez dans "
            f"{minutes} minute{'s' if minutes > 1 else ''}.",
            wait,
        )
    user = crud_users.authenticate(session, username=body.username, password=body.password)
    # End the read first: on SQLite, a read transaction that then writes cannot wait
    # for the write lock (its snapshot may be stale) and fails at once when busy;
    # BEGIN IMMEDIATE waits its turn.
    session.commit()
    begin_write(session)
    if user is None:
        # The username's failure was counted by `reserve_attempt`; now the address's.
        login_throttle.record_address_failure(session, client_ip=client_ip, now=now)
        # No username in the journal: a mistyped password is often typed in that field.
        record_audit(session, actor=None, action="auth.login_failed")
        session.commit()
        LOGIN_FAILURES.inc()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="Identifiant ou mot de passe incorrect."
        )
    login_throttle.forgive(session, counted)
    login_throttle.clear_username(session, username=body.username)
    device, token = crud_users.enrol_device(session, user=user, name=body.device_name)
    device.idle_timeout_minutes = idle_timeout_minutes(settings, device_name=body.device_name)
    session.add(device)
    record_audit(session, actor=Actor.of(user, device), action="auth.login")
    session.commit()
    public = UserPublic.model_validate(user, from_attributes=True)
    return LoginResponse(token=token, device_id=device.id, user=public)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, device: CurrentDevice) -> Response:
    begin_write(session)
    crud_users.revoke_device(session, device=device)
    user = session.get(AppUser, device.user_id)
    record_audit(session, actor=Actor.of(user, device), action="auth.logout")
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
