"""A phone enrols with a one-time code given by an admin (no password typed in the street)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from domain.sync import LoginResponse, UserPublic
from sync_server.api.deps import SessionDep
from sync_server.crud import admin as crud_admin
from sync_server.crud.admin import AdminError
from sync_server.crud.audit import Actor, record_audit
from sync_server.schemas.insight import EnrolRequest

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/enrol", response_model=LoginResponse)
def enrol(session: SessionDep, body: EnrolRequest) -> LoginResponse:
    try:
        user, device, token = crud_admin.redeem_enrol_code(
            session, code=body.code, device_name=body.device_name.strip()
        )
    except AdminError as exc:
        session.rollback()
        raise HTTPException(exc.status_code, detail=str(exc)) from exc
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
