"""A phone enrols with a one-time code given by an admin (no password typed in the street)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request, status

from domain.sync import LoginResponse, UserPublic
from sync_server.api.deps import SessionDep, SettingsDep
from sync_server.api.routes.shared import refusals
from sync_server.crud import admin as crud_admin
from sync_server.crud import login_throttle
from sync_server.crud.audit import Actor, record_audit
from sync_server.models import utcnow
from sync_server.schemas.insight import EnrolRequest

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/enrol",
    response_model=LoginResponse,
    responses={429: {"description": "Trop de tentatives : réessayez après Retry-After secondes."}},
)
def enrol(
    session: SessionDep, settings: SettingsDep, body: EnrolRequest, request: Request
) -> LoginResponse:
    # Codes are short: guessing them is throttled per client address like logins.
    wait, counted = login_throttle.reserve_attempt(
        session,
        username="",
        client_ip=request.client.host if request.client else "inconnue",
        now=utcnow(),
        max_failures=settings.login_max_failures,
        window=dt.timedelta(minutes=settings.login_window_minutes),
        prefix="enrol:",
    )
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="Trop de codes d'enrôlement essayés : réessayez plus tard.",
            headers={"Retry-After": str(wait)},
        )
    with refusals(session):
        user, device, token = crud_admin.redeem_enrol_code(
            session, code=body.code, device_name=body.device_name.strip()
        )
    login_throttle.forgive(session, counted)
    record_audit(
        session,
        actor=Actor.of(user, device),
        action="enrol.redeemed",
        entity="device",
        row_id=device.id,
    )
    session.commit()
    public = UserPublic.model_validate(user, from_attributes=True)
    return LoginResponse(token=token, device_id=device.id, user=public)
