"""Supervisor edits written as ordinary ops, through the normal merge path.

A review, a conflict resolution or a merge is an op of the supervisor's console
device, stamped by the server clock past every stamp the row carries: it wins the
merge, lands in the `sync_op` ledger and reaches the phones on their next pull.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.hlc import HlcClock
from domain.sync import OpResult
from sync_server.models import AppUser, Device, Partner, Record, SyncOp
from sync_server.sync.server_ops import write_ops


@dataclass(frozen=True)
class OpAuthor:
    """Who writes an op from the console: the account, its console device (the op's
    origin, numbered after that device's last op) and the server clock that stamps it."""

    user: AppUser
    device: Device
    clock: HlcClock


class NotFound(LookupError):
    """Unknown in the caller's cité (→ 404)."""


class Refused(ValueError):
    """The request conflicts with the record's current state (→ 409)."""


class Invalid(ValueError):
    """A value the record cannot take (→ 422)."""


def get_live_row(session: Session, *, cite_id: str, entity: str, row_id: str) -> Record:
    row = session.get(Record, row_id)
    if row is None or row.cite_id != cite_id or row.entity != entity:
        raise NotFound(f"{_ENTITY_NAMES.get(entity, entity)} introuvable dans votre cité.")
    if row.deleted:
        raise Refused(f"{_ENTITY_NAMES.get(entity, entity)} supprimé(e) entre-temps.")
    return row


_ENTITY_NAMES = {
    "contact": "Contact",
    "person": "Personne",
    "event": "Action de terrain",
    "orientation": "Orientation",
    "followup": "Relance",
}


def write_as_supervisor(
    session: Session,
    *,
    author: OpAuthor,
    row: Record,
    values: dict[str, Any],
) -> OpResult:
    """Write `values` on `row` as an op of the author's device (`server_ops.write_ops`),
    numbered after the device's last op; the caller commits.

    The caller should have opened the transaction with `begin_write`.
    """
    last_seq = session.exec(
        select(func.max(SyncOp.device_seq)).where(SyncOp.device_id == author.device.id)
    ).one()
    [result] = write_ops(
        session,
        user=author.user,
        device=author.device,
        clock=author.clock,
        edits=[(row, values)],
        first_seq=int(last_seq or 0) + 1,
    )
    if result.outcome == "rejected":
        raise Invalid(result.reason or "modification refusée")
    session.refresh(row)
    return result


def member_names(session: Session, *, cite_id: str) -> dict[str, str]:
    users = session.exec(select(AppUser).where(AppUser.cite_id == cite_id)).all()
    return {u.id: u.display_name for u in users}


def partner_names(session: Session, *, cite_id: str) -> dict[str, str]:
    partners = session.exec(select(Partner).where(Partner.cite_id == cite_id)).all()
    return {p.id: p.name for p in partners}


def device_names(session: Session, *, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    found = session.exec(select(Device).where(col(Device.id).in_(ids))).all()
    return {d.id: d.name for d in found}
