"""Administration of a cité: users, devices, enrolment codes, referentials, settings.

Every function takes the admin's `cite_id` and only ever touches rows of that cité.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.api.console import Page, Paging
from domain.api.insight import (
    AdminDeviceOut,
    AdminUserCreate,
    AdminUserOut,
    PartnerAdminOut,
    PartnerIn,
    QpvIn,
)
from domain.enrol import CODE_ALPHABET, CODE_LENGTH
from domain.periods import as_utc
from domain.vocabulary import PartnerType, Role
from sync_server.core.security import hash_password, token_hash
from sync_server.crud import users as crud_users
from sync_server.crud.programme import attach_cites
from sync_server.models import (
    AppUser,
    CiteSettings,
    Device,
    EnrolCode,
    Partner,
    Qpv,
    UserCreate,
    utcnow,
)

ENROL_CODE_TTL = dt.timedelta(minutes=15)
_CODE_ALPHABET = CODE_ALPHABET  # no 0/O, 1/I/L: read aloud or typed from a screen
_CODE_LENGTH = CODE_LENGTH


class AdminError(Exception):
    """A refused change; the message is French and shown as is."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


def user_out(session: Session, user: AppUser) -> AdminUserOut:
    active = session.exec(
        select(func.count())
        .select_from(Device)
        .where(Device.user_id == user.id, col(Device.revoked_at).is_(None))
    ).one()
    return AdminUserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_label=Role(user.role).label,
        active=user.active,
        active_devices=int(active),
        structure=user.structure,
        partner_id=user.partner_id,
        partner_name=partner.name
        if user.partner_id and (partner := session.get(Partner, user.partner_id))
        else None,
    )


def list_users(session: Session, *, cite_id: str, paging: Paging) -> Page[AdminUserOut]:
    where = AppUser.cite_id == cite_id
    total = session.exec(select(func.count()).select_from(AppUser).where(where)).one()
    users = session.exec(
        select(AppUser)
        .where(where)
        .order_by(col(AppUser.display_name), col(AppUser.id))
        .offset(paging.offset)
        .limit(paging.page_size)
    ).all()
    return paging.of([user_out(session, u) for u in users], total=int(total))


def get_user(session: Session, *, cite_id: str, user_id: str) -> AppUser:
    user = session.get(AppUser, user_id)
    if user is None or user.cite_id != cite_id:
        raise AdminError("Utilisateur introuvable dans votre cité.", 404)
    return user


def create_user(session: Session, *, cite_id: str, body: AdminUserCreate) -> AppUser:
    if crud_users.get_user_by_username(session, username=body.username) is not None:
        raise AdminError(f"L'identifiant « {body.username} » est déjà pris.", 409)
    partner_id = _partner_of_account(session, cite_id=cite_id, body=body)
    user = crud_users.create_user(
        session,
        user_create=UserCreate(
            username=body.username,
            display_name=body.display_name.strip(),
            role=body.role.value,
            cite_id=cite_id,
            password=body.password,
            structure=(body.structure or "").strip() or None,
            partner_id=partner_id,
        ),
    )
    if user.role == Role.PROGRAMME:
        # A cité's admin attaches it to that cité only; other cités are attached by
        # the operator (`./relais admin attach-programme`).
        attach_cites(session, user_id=user.id, cite_ids=[cite_id])
    return user


def _partner_of_account(session: Session, *, cite_id: str, body: AdminUserCreate) -> str | None:
    """A partner account belongs to one partner structure of the cité; no other does."""
    if body.role != Role.PARTNER:
        if body.partner_id:
            raise AdminError(
                "Seul un compte partenaire est rattaché à une structure partenaire.", 422
            )
        return None
    if not body.partner_id:
        raise AdminError("Choisissez la structure partenaire de ce compte.", 422)
    partner = session.get(Partner, body.partner_id)
    if partner is None or partner.cite_id != cite_id:
        raise AdminError("Structure partenaire introuvable dans votre cité.", 422)
    return partner.id


def deactivate_user(session: Session, *, user: AppUser, by: AppUser) -> None:
    if user.id == by.id:
        raise AdminError("Vous ne pouvez pas désactiver votre propre compte.", 409)
    user.active = False
    session.add(user)
    session.flush()


def reset_password(
    session: Session, *, user: AppUser, password: str, keep_device_id: str | None = None
) -> int:
    """Set a new password and revoke every device signed in with the old one (a reset
    often follows a lost phone or a leaked password), but the caller's own session.
    Returns how many were revoked; a revoked phone pushes what it holds, then wipes."""
    user.password_hash = hash_password(password)
    session.add(user)
    devices = session.exec(
        select(Device).where(Device.user_id == user.id, col(Device.revoked_at).is_(None))
    ).all()
    revoked = 0
    for device in devices:
        if device.id != keep_device_id:
            device.revoked_at = utcnow()
            session.add(device)
            revoked += 1
    session.flush()
    return revoked


def list_devices(session: Session, *, user: AppUser) -> list[AdminDeviceOut]:
    devices = session.exec(
        select(Device).where(Device.user_id == user.id).order_by(col(Device.created_at).desc())
    ).all()
    return [AdminDeviceOut.model_validate(d, from_attributes=True) for d in devices]


def get_device(session: Session, *, cite_id: str, device_id: str) -> Device:
    device = session.get(Device, device_id)
    owner = session.get(AppUser, device.user_id) if device else None
    if device is None or owner is None or owner.cite_id != cite_id:
        raise AdminError("Appareil introuvable dans votre cité.", 404)
    return device


def create_enrol_code(session: Session, *, user: AppUser, by: AppUser) -> tuple[str, EnrolCode]:
    if not user.active:
        raise AdminError("Ce compte est désactivé : réactivez-le d'abord.", 409)
    if user.role in (Role.PARTNER, Role.PROGRAMME):
        raise AdminError(
            f"Un compte {Role(user.role).label.lower()} n'enrôle pas de téléphone : il se "
            "connecte à la console avec son mot de passe.",
            409,
        )
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    row = EnrolCode(
        code_hash=token_hash(code),
        user_id=user.id,
        created_by=by.id,
        expires_at=utcnow() + ENROL_CODE_TTL,
    )
    session.add(row)
    session.flush()
    return code, row


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def redeem_enrol_code(
    session: Session, *, code: str, device_name: str
) -> tuple[AppUser, Device, str]:
    """Exchange a valid code for a new device token; the code is spent at once.

    The row is locked (FOR UPDATE on PostgreSQL) so two phones racing with the same
    code cannot both enrol.
    """
    row = session.exec(
        select(EnrolCode)
        .where(EnrolCode.code_hash == token_hash(normalise_code(code)))
        .with_for_update()
    ).first()
    now = utcnow()
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:
        raise AdminError("Code d'enrôlement invalide, expiré ou déjà utilisé.", 401)
    user = session.get(AppUser, row.user_id)
    if user is None or not user.active:
        raise AdminError("Code d'enrôlement invalide, expiré ou déjà utilisé.", 401)
    device, token = crud_users.enrol_device(session, user=user, name=device_name)
    row.used_at = now
    row.device_id = device.id
    session.add(row)
    session.flush()
    return user, device, token


# --- Referentials and settings -------------------------------------------------------


def list_qpvs(session: Session, *, cite_id: str) -> list[Qpv]:
    return list(session.exec(select(Qpv).where(Qpv.cite_id == cite_id).order_by(col(Qpv.code))))


def save_qpv(session: Session, *, cite_id: str, body: QpvIn) -> Qpv:
    qpv = session.get(Qpv, body.code)
    if qpv is not None and qpv.cite_id != cite_id:
        raise AdminError(f"Le QPV {body.code} appartient à une autre cité.", 409)
    qpv = qpv or Qpv(code=body.code, name=body.name, cite_id=cite_id)
    qpv.name = body.name.strip()
    session.add(qpv)
    session.flush()
    return qpv


def partner_out(p: Partner) -> PartnerAdminOut:
    label = PartnerType.label_of(p.type) or p.type
    return PartnerAdminOut(id=p.id, name=p.name, type=p.type, type_label=label, themes=p.themes)


def list_partners(session: Session, *, cite_id: str) -> list[Partner]:
    query = select(Partner).where(Partner.cite_id == cite_id).order_by(col(Partner.name))
    return list(session.exec(query))


def save_partner(
    session: Session, *, cite_id: str, body: PartnerIn, partner_id: str | None = None
) -> Partner:
    partner = Partner(cite_id=cite_id, name="", type="") if partner_id is None else None
    if partner_id is not None:
        partner = session.get(Partner, partner_id)
        if partner is None or partner.cite_id != cite_id:
            raise AdminError("Partenaire introuvable dans votre cité.", 404)
    assert partner is not None
    partner.name = body.name.strip()
    partner.type = body.type.value
    partner.themes = [t.strip() for t in body.themes if t.strip()]
    session.add(partner)
    session.flush()
    return partner


def get_retention(session: Session, *, cite_id: str, default_months: int) -> int:
    """The cité's own retention period, or the server-wide default when none was set."""
    row = session.get(CiteSettings, cite_id)
    return row.retention_months if row else default_months


def set_retention(session: Session, *, cite_id: str, months: int, by: AppUser) -> int:
    row = session.get(CiteSettings, cite_id) or CiteSettings(cite_id=cite_id)
    row.retention_months = months
    row.updated_at = utcnow()
    row.updated_by = by.id
    session.add(row)
    session.flush()
    return months
