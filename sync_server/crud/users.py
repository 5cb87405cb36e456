"""Users and their enrolled devices."""

from __future__ import annotations

from sqlmodel import Session, select

from sync_server.core.security import hash_password, new_token, token_hash, verify_password
from sync_server.models import AppUser, Device, UserCreate, utcnow


def create_user(session: Session, *, user_create: UserCreate) -> AppUser:
    user = AppUser.model_validate(
        user_create, update={"password_hash": hash_password(user_create.password)}
    )
    session.add(user)
    session.flush()
    return user


def get_user_by_username(session: Session, *, username: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.username == username)).first()


def authenticate(session: Session, *, username: str, password: str) -> AppUser | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = get_user_by_username(session, username=username.strip().lower())
    ok = verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.active:
        return None
    return user


def enrol_device(session: Session, *, user: AppUser, name: str) -> tuple[Device, str]:
    """Create a device for `user`; returns it with its token (shown once, never stored)."""
    token = new_token()
    device = Device(user_id=user.id, name=name, token_hash=token_hash(token))
    session.add(device)
    session.flush()
    return device, token


def revoke_device(session: Session, *, device: Device) -> None:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        session.add(device)
        session.flush()
