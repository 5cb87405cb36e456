"""A revoked device's late ops: held for a supervisor, never applied by themselves.

A revoked phone may still push for a while (DESIGN.md §4), but its clock is its own
word: back-dated, it could pass any op as logged before the revocation. So such an
op is refused when stamped before the device even existed, and otherwise held here
until a supervisor accepts it (it then goes through the normal merge, as its author
and device) or discards it; both journaled by the route.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.api.review import HeldChange, HeldOpOut
from domain.entities import text_problem
from domain.hlc import HlcClock
from domain.sync import Op, OpResult
from sync_server.models import AppUser, Device, HeldOp, Record, SyncOp, utcnow
from sync_server.sync.checks import unstorable_values
from sync_server.sync.push import named_rows, push_ops, refuse_erased

HELD_REASON = (
    "appareil révoqué : saisie mise en attente, un superviseur décidera de l'appliquer ou non"
)


class HeldNotFound(Exception):
    """No such held op in the caller's cité."""


class HeldDecided(Exception):
    """The held op was already accepted or discarded."""


def hold_late_ops(
    session: Session, *, user: AppUser, device: Device, ops: list[Op]
) -> list[OpResult]:
    """Answers to `ops` of a revoked device, in order; nothing is merged. The caller
    has begun the write and commits."""
    rest, refused = refuse_erased(session, user=user, device=device, ops=ops)
    ids = [op.op_id for op in rest]
    taken = {
        op_id: (outcome, version)
        for op_id, outcome, version in session.exec(
            select(SyncOp.op_id, SyncOp.outcome, SyncOp.version).where(col(SyncOp.op_id).in_(ids))
        ).all()
        if outcome != "rejected"
    }
    held = set(session.exec(select(HeldOp.op_id).where(col(HeldOp.op_id).in_(ids))).all())
    out: list[OpResult] = []
    for op in ops:
        if op.op_id in refused:
            out.append(refused[op.op_id])
        elif op.op_id in taken:  # taken before the revocation; its answer was lost
            out.append(OpResult(op_id=op.op_id, outcome="duplicate", version=taken[op.op_id][1]))
        elif (problem := _unstorable(op)) is not None:
            # Kept as sent until a supervisor decides: it must be storable text.
            out.append(OpResult(op_id=op.op_id, outcome="rejected", reason=problem))
        else:
            if op.op_id not in held:
                held.add(op.op_id)
                session.add(
                    HeldOp(
                        op_id=op.op_id,
                        cite_id=user.cite_id,
                        device_id=device.id,
                        user_id=user.id,
                        entity=op.entity,
                        row_id=op.row_id,
                        device_seq=op.device_seq,
                        hlc=op.hlc,
                        base_version=op.base_version,
                        set_values=op.set,
                    )
                )
            out.append(OpResult(op_id=op.op_id, outcome="rejected", reason=HELD_REASON))
    session.flush()
    return out


def _unstorable(op: Op) -> str | None:
    """Why `op` holds text no database stores (NUL, a lone surrogate), in French, with
    the merge's reason for its values (`checks.validate_op`); None when all of it is."""
    return unstorable_values(op) or text_problem(op.hlc, "hlc")


def pending(session: Session, *, cite_id: str) -> list[HeldOpOut]:
    """The cité's undecided held ops, oldest first, each with what it would change."""
    found = session.exec(
        select(HeldOp)
        .where(HeldOp.cite_id == cite_id, col(HeldOp.decided_at).is_(None))
        .order_by(col(HeldOp.received_at), col(HeldOp.op_id))
    ).all()
    rows = {
        r.id: r
        for r in session.exec(
            select(Record).where(col(Record.id).in_([h.row_id for h in found]))
        ).all()
    }
    users = {u.id: u.display_name for u in session.exec(select(AppUser)).all()}
    devices = {
        d.id: d.name
        for d in session.exec(
            select(Device).where(col(Device.id).in_([h.device_id for h in found]))
        ).all()
    }
    out = []
    for h in found:
        row = rows.get(h.row_id)
        current = row.data if row is not None and row.cite_id == cite_id else {}
        out.append(
            HeldOpOut(
                op_id=h.op_id,
                entity=h.entity,
                row_id=h.row_id,
                author=users.get(h.user_id, "?"),
                device_name=devices.get(h.device_id, "?"),
                hlc=h.hlc,
                received_at=h.received_at,
                row_exists=bool(current),
                changes=[
                    HeldChange(field=k, current=current.get(k), proposed=v)
                    for k, v in sorted(h.set_values.items())
                ],
            )
        )
    return out


def decide(
    session: Session,
    *,
    op_id: str,
    supervisor: AppUser,
    accept: bool,
    clock: HlcClock,
) -> tuple[HeldOp, OpResult | None]:
    """Accept (merge it now, as its author and device) or discard a held op; the
    caller journals and commits."""
    held = session.get(HeldOp, op_id, with_for_update=True)
    if held is None or held.cite_id != supervisor.cite_id:
        raise HeldNotFound("saisie en attente introuvable dans votre cité")
    if held.decided_at is not None:
        raise HeldDecided("cette saisie a déjà été acceptée ou écartée")
    result = None
    if accept:
        author = session.get(AppUser, held.user_id)
        device = session.get(Device, held.device_id)
        if author is None or device is None:
            raise HeldNotFound("auteur ou appareil de cette saisie introuvable")
        op = Op(
            op_id=held.op_id,
            device_seq=held.device_seq,
            entity=held.entity,  # type: ignore[arg-type]
            row_id=held.row_id,
            hlc=held.hlc,
            base_version=held.base_version,
            set=held.set_values,
        )
        [result] = push_ops(session, user=author, device=device, ops=[op], clock=clock)
        held.outcome = result.outcome
    held.decision = "accepted" if accept else "discarded"
    held.decided_at, held.decided_by = utcnow(), supervisor.id
    # Nothing here is needed any more: the ledger has what applied.
    held.set_values = dict.fromkeys(held.set_values)
    session.add(held)
    session.flush()
    return held, result


def forget_erased(session: Session, *, cite_id: str, row_ids: set[str]) -> int:
    """Drop the held ops that write or name an erased row: they hold its values."""
    gone = 0
    for held in session.exec(select(HeldOp).where(HeldOp.cite_id == cite_id)).all():
        if not row_ids.isdisjoint(named_rows(held.entity, held.row_id, held.set_values)):
            session.delete(held)
            gone += 1
    session.flush()
    return gone
