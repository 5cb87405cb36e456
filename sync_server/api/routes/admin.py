"""Administration of the admin's own cité (admin role only; 403 for anyone else)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from domain.api.console import Page
from domain.api.insight import (
    AdminDeviceOut,
    AdminUserCreate,
    AdminUserOut,
    EnrolCodeOut,
    PartnerAdminOut,
    PartnerIn,
    PasswordReset,
    QpvAdminOut,
    QpvIn,
    SettingsIn,
    SettingsOut,
)
from sync_server.api.deps import SessionDep, SettingsDep
from sync_server.api.guards import AdminOnly, JournalDep
from sync_server.api.routes.shared import PagingDep, refusals
from sync_server.crud import admin as crud_admin
from sync_server.crud import users as crud_users
from sync_server.models import AppUser


def get_staff_member(user_id: str, session: SessionDep, admin: AdminOnly) -> AppUser:
    """The user of the path, if of the admin's cité (404 otherwise)."""
    with refusals(session):
        return crud_admin.get_user(session, cite_id=admin.cite_id, user_id=user_id)


StaffMember = Annotated[AppUser, Depends(get_staff_member)]
router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users", response_model=Page[AdminUserOut])
def users(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, paging: PagingDep
) -> Page[AdminUserOut]:
    result = crud_admin.list_users(session, cite_id=admin.cite_id, paging=paging)
    # Staff names and logins: read by an admin, journaled like person reads.
    journal.read("users.list", detail={"page": paging.page, "count": len(result.items)})
    return result


@router.post("/users", response_model=AdminUserOut, status_code=status.HTTP_201_CREATED)
def create_user(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, body: AdminUserCreate
) -> AdminUserOut:
    with refusals(session):
        user = crud_admin.create_user(session, cite_id=admin.cite_id, body=body)
    journal.write("user.create", entity="user", row_id=user.id, detail={"role": user.role})
    return crud_admin.user_out(session, user)


@router.post("/users/{user_id}/deactivate", response_model=AdminUserOut)
def deactivate_user(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, user: StaffMember
) -> AdminUserOut:
    with refusals(session):
        crud_admin.deactivate_user(session, user=user, by=admin)
    journal.write("user.deactivate", entity="user", row_id=user.id)
    return crud_admin.user_out(session, user)


@router.post("/users/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(
    session: SessionDep, journal: JournalDep, user: StaffMember, body: PasswordReset
) -> Response:
    revoked = crud_admin.reset_password(
        session, user=user, password=body.password, keep_device_id=journal.actor.device_id
    )
    journal.write("user.password_reset", entity="user", row_id=user.id, detail={"count": revoked})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/{user_id}/devices", response_model=list[AdminDeviceOut])
def devices(session: SessionDep, journal: JournalDep, user: StaffMember) -> list[AdminDeviceOut]:
    found = crud_admin.list_devices(session, user=user)
    journal.read("devices.list", entity="user", row_id=user.id, detail={"count": len(found)})
    return found


@router.post("/devices/{device_id}/revoke", response_model=AdminDeviceOut)
def revoke_device(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, device_id: str
) -> AdminDeviceOut:
    with refusals(session):
        device = crud_admin.get_device(session, cite_id=admin.cite_id, device_id=device_id)
    crud_users.revoke_device(session, device=device)
    journal.write(
        "device.revoke", entity="device", row_id=device.id, detail={"user": device.user_id}
    )
    return AdminDeviceOut.model_validate(device, from_attributes=True)


@router.post(
    "/users/{user_id}/enrol-codes",
    response_model=EnrolCodeOut,
    status_code=status.HTTP_201_CREATED,
    description="A single-use code, valid 15 minutes, that a phone exchanges at /auth/enrol.",
)
def create_enrol_code(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, user: StaffMember
) -> EnrolCodeOut:
    with refusals(session):
        code, row = crud_admin.create_enrol_code(session, user=user, by=admin)
    # The code itself is a credential: never journaled.
    journal.write("enrol.code_issued", entity="user", row_id=user.id)
    return EnrolCodeOut(code=code, user_id=user.id, expires_at=row.expires_at)


@router.get("/qpvs", response_model=list[QpvAdminOut])
def qpvs(session: SessionDep, admin: AdminOnly) -> list[QpvAdminOut]:
    rows = crud_admin.list_qpvs(session, cite_id=admin.cite_id)
    return [QpvAdminOut(code=q.code, name=q.name) for q in rows]


@router.put("/qpvs", response_model=QpvAdminOut, description="Create or rename a QPV.")
def save_qpv(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, body: QpvIn
) -> QpvAdminOut:
    with refusals(session):
        qpv = crud_admin.save_qpv(session, cite_id=admin.cite_id, body=body)
    journal.write("qpv.save", entity="qpv", row_id=qpv.code)
    return QpvAdminOut(code=qpv.code, name=qpv.name)


@router.get("/partners", response_model=list[PartnerAdminOut])
def partners(session: SessionDep, admin: AdminOnly) -> list[PartnerAdminOut]:
    return [
        crud_admin.partner_out(p) for p in crud_admin.list_partners(session, cite_id=admin.cite_id)
    ]


@router.post("/partners", response_model=PartnerAdminOut, status_code=status.HTTP_201_CREATED)
def create_partner(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, body: PartnerIn
) -> PartnerAdminOut:
    partner = crud_admin.save_partner(session, cite_id=admin.cite_id, body=body)
    journal.write("partner.create", entity="partner", row_id=partner.id)
    return crud_admin.partner_out(partner)


@router.put("/partners/{partner_id}", response_model=PartnerAdminOut)
def update_partner(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, partner_id: str, body: PartnerIn
) -> PartnerAdminOut:
    with refusals(session):
        partner = crud_admin.save_partner(
            session, cite_id=admin.cite_id, body=body, partner_id=partner_id
        )
    journal.write("partner.update", entity="partner", row_id=partner.id)
    return crud_admin.partner_out(partner)


@router.get("/settings", response_model=SettingsOut)
def settings(session: SessionDep, admin: AdminOnly, config: SettingsDep) -> SettingsOut:
    months = crud_admin.get_retention(
        session, cite_id=admin.cite_id, default_months=config.retention_months
    )
    return SettingsOut(retention_months=months)


@router.put("/settings", response_model=SettingsOut)
def save_settings(
    session: SessionDep, admin: AdminOnly, journal: JournalDep, body: SettingsIn
) -> SettingsOut:
    months = crud_admin.set_retention(
        session, cite_id=admin.cite_id, months=body.retention_months, by=admin
    )
    journal.write(
        "settings.retention", entity="cite", row_id=admin.cite_id, detail={"months": months}
    )
    return SettingsOut(retention_months=months)
