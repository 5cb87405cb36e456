"""The audit journal (docs/architecture.md §4.8): append-only, no personal data in `detail`.

There is deliberately no update or delete function here; on PostgreSQL a trigger
refuses both (migration serversec_0002).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, or_, select

from domain.api.console import Paging
from sync_server.models import AppUser, AuditEvent, Device

# Set by the request-id middleware so audit rows can be tied to access logs.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "relais_request_id", default=None
)


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    device_id: str | None = None
    cite_id: str | None = None

    @classmethod
    def of(cls, user: AppUser | None, device: Device | None = None) -> Actor:
        return cls(
            user_id=user.id if user else None,
            device_id=device.id if device else None,
            cite_id=user.cite_id if user else None,
        )


SYSTEM = Actor(user_id=None, device_id=None, cite_id=None)


def record_audit(
    session: Session,
    *,
    actor: Actor | AppUser | None,
    action: str,
    entity: str | None = None,
    row_id: str | None = None,
    detail: dict[str, Any] | None = None,
    cite_id: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (the caller commits)."""
    if isinstance(actor, AppUser):
        actor = Actor.of(actor)
    actor = actor or SYSTEM
    event = AuditEvent(
        actor_user_id=actor.user_id,
        actor_device_id=actor.device_id,
        cite_id=cite_id or actor.cite_id,
        action=action,
        entity=entity,
        row_id=row_id,
        detail=detail or {},
        request_id=current_request_id.get(),
    )
    session.add(event)
    session.flush()
    return event


def list_audit(
    session: Session,
    *,
    paging: Paging,
    cite_id: str,
    actor: str | None = None,
    action: str | None = None,
    actions: list[str] | None = None,
) -> tuple[list[AuditEvent], int]:
    """Newest first, for one cité (plus system events); `actor` is a user id,
    `action` a prefix ("person." matches every person action), `actions` an exact
    list (a family of `domain.audit_actions`)."""
    scope = or_(col(AuditEvent.cite_id) == cite_id, col(AuditEvent.cite_id).is_(None))
    stmt = select(AuditEvent).where(scope)
    count = select(func.count()).select_from(AuditEvent).where(scope)
    if actor:
        stmt = stmt.where(AuditEvent.actor_user_id == actor)
        count = count.where(AuditEvent.actor_user_id == actor)
    if action:
        stmt = stmt.where(col(AuditEvent.action).startswith(action, autoescape=True))
        count = count.where(col(AuditEvent.action).startswith(action, autoescape=True))
    if actions is not None:
        stmt = stmt.where(col(AuditEvent.action).in_(actions))
        count = count.where(col(AuditEvent.action).in_(actions))
    total = session.exec(count).one()
    rows = session.exec(
        stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset(paging.offset)
        .limit(paging.page_size)
    ).all()
    return list(rows), int(total)
