"""Role guards beyond those of deps.py, and the audit actor and journal of a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypedDict, Unpack

from fastapi import Depends, HTTPException, status
from sqlmodel import Session

from domain.vocabulary import Role
from sync_server.api.deps import (
    CurrentDevice,
    CurrentUser,
    PartnerUser,
    SessionDep,
    SupervisorUser,
    refuse_partner,
)
from sync_server.core.db import begin_write
from sync_server.crud.audit import Actor, record_audit
from sync_server.models import AppUser


async def require_admin(user: CurrentUser) -> AppUser:
    refuse_partner(user)
    if user.role != Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Réservé aux administrateurs.")
    return user


AdminOnly = Annotated[AppUser, Depends(require_admin)]


async def supervisor_actor(user: SupervisorUser, device: CurrentDevice) -> Actor:
    return Actor.of(user, device)


async def admin_actor(user: AdminOnly, device: CurrentDevice) -> Actor:
    return Actor.of(user, device)


async def partner_actor(user: PartnerUser, device: CurrentDevice) -> Actor:
    return Actor.of(user, device)


SupervisorActor = Annotated[Actor, Depends(supervisor_actor)]
PartnerActor = Annotated[Actor, Depends(partner_actor)]
AdminActor = Annotated[Actor, Depends(admin_actor)]


class What(TypedDict, total=False):
    """What a journal entry is about (the keywords of `Journal.record`)."""

    entity: str | None
    row_id: str | None
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class Journal:
    """The audit journal bound to a request's session and caller (user and device).

    `detail` holds ids, counts, periods and filter names only: never a name, a note
    or any text a person typed.
    """

    session: Session
    actor: Actor

    def record(
        self,
        action: str,
        *,
        entity: str | None = None,
        row_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append the event to the route's write transaction; the route commits."""
        record_audit(
            self.session,
            actor=self.actor,
            action=action,
            entity=entity,
            row_id=row_id,
            detail=detail,
        )

    def write(self, action: str, **what: Unpack[What]) -> None:
        """Journal the route's write and commit both: the entry is in the write's own
        transaction, so no edit goes unjournaled and no entry outlives its edit."""
        self.record(action, **what)
        self.session.commit()

    def read(self, action: str, **what: Unpack[What]) -> None:
        """Journal a read that succeeded, and commit: the read transaction ends first
        so that, on SQLite, the append waits its turn as a writer (BEGIN IMMEDIATE)."""
        self.session.commit()
        begin_write(self.session)
        self.record(action, **what)
        self.session.commit()


async def journal(session: SessionDep, user: CurrentUser, device: CurrentDevice) -> Journal:
    return Journal(session, Actor.of(user, device))


JournalDep = Annotated[Journal, Depends(journal)]
