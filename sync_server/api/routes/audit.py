"""The audit journal, read by administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from domain.api.console import Page
from domain.api.security import AuditEventOut
from domain.audit_actions import (
    FAMILIES,
    action_label,
    describe_object,
    family_actions,
    family_of,
)
from sync_server.api.deps import SessionDep
from sync_server.api.guards import AdminActor
from sync_server.api.routes.shared import PagingDep
from sync_server.crud.audit import list_audit, record_audit
from sync_server.models import AppUser

router = APIRouter(prefix="/admin", tags=["admin"])
_KEYS = [f.key for f in FAMILIES]
_FAMILY_PATTERN = "^(" + "|".join(_KEYS) + ")$"


@router.get("/audit", response_model=Page[AuditEventOut])
def audit_log(
    session: SessionDep,
    actor: AdminActor,
    paging: PagingDep,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=36)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    family: Annotated[
        str | None,
        Query(pattern=_FAMILY_PATTERN, description="An action family: " + ", ".join(_KEYS)),
    ] = None,
) -> Page[AuditEventOut]:
    """The cité's journal, newest first; `actor` is a user id, `action` a prefix."""
    actions = family_actions(family) if family else None
    events, total = list_audit(
        session,
        paging=paging,
        cite_id=actor.cite_id or "",
        actor=actor_id,
        action=action,
        actions=actions,
    )
    ids = {e.actor_user_id for e in events if e.actor_user_id}
    names = dict(
        session.exec(select(AppUser.id, AppUser.display_name).where(col(AppUser.id).in_(ids))).all()
    )
    used = {"actor": actor_id, "action": action, "family": family}
    filters = sorted(k for k, v in used.items() if v)
    record_audit(
        session, actor=actor, action="audit.read", detail={"page": paging.page, "filters": filters}
    )
    session.commit()
    items = [
        AuditEventOut(
            **e.model_dump(exclude={"cite_id"}),
            actor_name=names.get(e.actor_user_id or "") if e.actor_user_id else "Serveur",
            action_label=action_label(e.action),
            family=family_of(e.action).key,
            object_label=describe_object(e.entity, e.row_id, e.detail),
        )
        for e in events
    ]
    return paging.of(items, total)
