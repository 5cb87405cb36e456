"""Role guards beyond those of deps.py, and the audit actor of a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, status

from domain.vocabulary import Role
from sync_server.crud.audit import Actor
from sync_server.deps import CurrentDevice, CurrentUser, SupervisorUser
from sync_server.models import AppUser


def require_admin(user: CurrentUser) -> AppUser:
    if user.role != Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Réservé aux administrateurs.")
    return user


AdminOnly = Annotated[AppUser, Depends(require_admin)]


def supervisor_actor(user: SupervisorUser, device: CurrentDevice) -> Actor:
    return Actor.of(user, device)


def admin_actor(user: AdminOnly, device: CurrentDevice) -> Actor:
    return Actor.of(user, device)


SupervisorActor = Annotated[Actor, Depends(supervisor_actor)]
AdminActor = Annotated[Actor, Depends(admin_actor)]
