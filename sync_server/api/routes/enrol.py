"""A phone enrols with a one-time code given by an admin (no password typed in the street)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from domain.api.insight import EnrolRequest
from domain.sync import LoginResponse, UserPublic
from sync_server.api.deps import SessionDep, SettingsDep
from sync_server.api.routes.auth import THROTTLED, reserve_attempt, too_many_attempts
from sync_server.api.routes.shared import refusals
from sync_server.crud import admin as crud_admin
from sync_server.crud import login_throttle
from sync_server.crud.audit import Actor, record_audit
from sync_server.models import utcnow

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/enrol", response_model=LoginResponse, responses=THROTTLED)
def enrol(
    session: SessionDep, settings: SettingsDep, body: EnrolRequest, request: Request
) -> LoginResponse:
    # Codes are short: guessing them is throttled per client address like logins.
    wait, counted = reserve_attempt(
        session,
        settings,
        username="",
        client_ip=request.client.host if request.client else "inconnue",
        now=utcnow(),
        prefix="enrol:",
    )
    if wait is not None:
        raise too_many_attempts("Trop de codes d'enrôlement essayés : réessayez plus tard.", wait)
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
