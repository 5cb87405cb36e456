"""The op-by-op push path: the reference rule, and the fallback of `push_ops`.

Taken only when the bulk path's SAVEPOINT failed on a database error: each op runs
in its own SAVEPOINT, so the failing op is rolled back and rejected alone. A busy
database raises `TransientDbError` (the route answers 503); a unique violation is
retried once (a concurrent request inserted the same row or op: the retry sees it).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session, select

from domain.entities import REFERENCE_FIELDS, REQUIRED_ON_CREATE, record_person_id
from domain.hlc import Hlc, HlcClock, is_ahead
from domain.merge import MergeResult, StoredRow, merge_op, sees_every_change
from domain.review_loop import review_loop
from domain.sync import CLOCK_TOLERANCE_MS, Op, OpResult
from sync_server.core.db import current_txid, next_version
from sync_server.models import AppUser, Conflict, Device, Partner, Record, SyncOp, utcnow
from sync_server.sync.checks import OpRejected, TransientDbError, storable, validate_op
from sync_server.sync.own_versions import own_versions_in_ledger

logger = logging.getLogger(__name__)

_INTERNAL_ERROR = "erreur du serveur sur cette opération ; renvoyez-la plus tard"


def push_one(
    session: Session,
    *,
    op: Op,
    user: AppUser,
    device: Device,
    clock: HlcClock,
    now_ms: int,
    own: dict[str, set[int]],
) -> OpResult:
    """Apply one op of a batch; `own` holds, per row, the versions the batch's earlier
    ops produced (the device saw them: `domain.merge`), and gains this op's."""
    stored = session.get(SyncOp, op.op_id)
    # A rejected op changed nothing, so a resend is evaluated again (its reference
    # may exist by now); any other stored outcome is final.
    if stored is not None and stored.outcome != "rejected":
        return OpResult(
            op_id=op.op_id,
            outcome="duplicate",
            version=stored.version,
            clock_flagged=stored.clock_flagged,
        )
    for attempt in (1, 2):
        try:
            with session.begin_nested():
                result = _apply(
                    session, op=op, user=user, device=device, clock=clock, now_ms=now_ms, own=own
                )
                _write_ledger(session, op=op, user=user, device=device, result=result)
            return result
        except OpRejected as exc:
            reason = str(exc)
            break
        except OperationalError as exc:
            logger.warning("op %s: database busy (%s)", op.op_id, type(exc.orig).__name__)
            raise TransientDbError(op.op_id) from exc
        except IntegrityError as exc:
            logger.warning("op %s: %s (attempt %d)", op.op_id, type(exc.orig).__name__, attempt)
            reason = _INTERNAL_ERROR
            if attempt == 1:  # a concurrent insert of this row or op: now visible
                stored = session.get(SyncOp, op.op_id, populate_existing=True)
                if stored is not None and stored.outcome != "rejected":
                    return OpResult(
                        op_id=op.op_id,
                        outcome="duplicate",
                        version=stored.version,
                        clock_flagged=stored.clock_flagged,
                    )
        except SQLAlchemyError as exc:
            # Anything else is this op's own fault (bad data the checks missed).
            logger.warning("op %s rolled back: %s", op.op_id, type(exc).__name__)
            reason = _INTERNAL_ERROR
            break
    result = OpResult(op_id=op.op_id, outcome="rejected", reason=reason)
    try:
        with session.begin_nested():
            _write_ledger(session, op=op, user=user, device=device, result=result)
    except SQLAlchemyError as exc:
        logger.warning("could not log rejected op %s: %s", op.op_id, type(exc).__name__)
    return result


def _write_ledger(
    session: Session, *, op: Op, user: AppUser, device: Device, result: OpResult
) -> None:
    hlc, values = (op.hlc, op.set) if result.outcome != "rejected" else storable(op)
    fields: dict[str, Any] = {
        "device_id": device.id,
        "user_id": user.id,
        "entity": op.entity,
        "row_id": op.row_id,
        "device_seq": op.device_seq,
        "hlc": hlc,
        "base_version": op.base_version,
        "set_values": values,
        "outcome": result.outcome,
        "version": result.version,
        "reason": result.reason,
        "clock_flagged": result.clock_flagged,
        "received_at": utcnow(),
    }
    entry = session.get(SyncOp, op.op_id)
    if entry is None:
        entry = SyncOp(op_id=op.op_id, **fields)
    else:
        entry.sqlmodel_update(fields)
    session.add(entry)
    session.flush()


def _apply(
    session: Session,
    *,
    op: Op,
    user: AppUser,
    device: Device,
    clock: HlcClock,
    now_ms: int,
    own: dict[str, set[int]],
) -> OpResult:
    values, hlc = validate_op(op, user.role, user_id=user.id)
    # A phone whose clock runs ahead would win every later edit: merge its op as if
    # stamped now by the server, and keep the claimed HLC in the ledger.
    flagged = is_ahead(hlc, now_ms, CLOCK_TOLERANCE_MS)
    effective = clock.now() if flagged else clock_observe(clock, hlc)

    row = session.exec(select(Record).where(Record.id == op.row_id).with_for_update()).first()
    if row is not None and (row.entity != op.entity or row.cite_id != user.cite_id):
        raise OpRejected(f"ligne {op.row_id} inconnue pour ce type dans votre cité")
    if row is None:
        missing = sorted(f for f in REQUIRED_ON_CREATE[op.entity] if values.get(f) is None)
        if missing:
            raise OpRejected(f"champs obligatoires manquants : {', '.join(missing)}")
    _check_references(session, op=op, values=values, cite_id=user.cite_id)

    stored = (
        None
        if row is None
        else StoredRow(row.data, row.hlc_by_field(), row.version_by_field(), row.version)
    )
    seen = own.setdefault(op.row_id, set())
    if stored is not None and not sees_every_change(
        stored, base_version=op.base_version, own_versions=seen
    ):
        # Read again at each such op (this path is the rare fallback): the same set.
        seen |= own_versions_in_ledger(session.connection(), row_id=op.row_id, device_id=device.id)
    merged = merge_op(
        stored,
        values=values,
        hlc=effective.encode(),
        base_version=op.base_version,
        own_versions=seen,
    )
    changes, hlcs = review_loop(
        op.entity,
        stored,
        values=values,
        changes=merged.changes,
        hlcs=merged.field_hlc,
        base_version=op.base_version,
        hlc=effective.encode(),
    )
    if row is None:
        row = Record(
            id=op.row_id,
            entity=op.entity,
            cite_id=user.cite_id,
            created_by=user.id,
            device_id=device.id,
            version=0,
            updated_hlc="",
        )
    _write_row(session, row=row, stored=stored, changes=changes, hlcs=hlcs, device=device)
    if changes:
        seen.add(row.version)
    _log_conflicts(session, op=op, row=row, merged=merged, values=values)
    return OpResult(
        op_id=op.op_id, outcome=merged.outcome, version=row.version, clock_flagged=flagged
    )


def clock_observe(clock: HlcClock, hlc: Hlc) -> Hlc:
    """Advance the server clock past a device HLC; the op keeps its own stamp."""
    clock.observe(hlc)
    return hlc


def _write_row(
    session: Session,
    *,
    row: Record,
    stored: StoredRow | None,
    changes: dict[str, Any],
    hlcs: dict[str, str],
    device: Device,
) -> None:
    # The whole maps the merge read (`stored`, None for a new row), updated and stored
    # compact again; copied, as the merge's input is not ours to change.
    hlc_by_field = {} if stored is None else dict(stored.field_hlc)
    version_by_field = {} if stored is None else dict(stored.field_version)
    if changes:
        version = next_version(session)
        row.data = {**row.data, **changes}
        version_by_field.update(dict.fromkeys(changes, version))
        row.version = version
        row.txid = current_txid(session)
        row.deleted = bool(row.data.get("deleted"))
        row.person_id = record_person_id(row.entity, row.id, row.data)
        row.device_id = device.id
        row.updated_at = utcnow()
    if hlcs:
        # A winning HLC with an unchanged value moves the clock, not the version.
        hlc_by_field.update(hlcs)
        row.updated_hlc = max(row.updated_hlc, *hlcs.values())
    if changes or hlcs:
        row.store_stamps(hlc_by_field, version_by_field)
        session.add(row)
        session.flush()


def _log_conflicts(
    session: Session, *, op: Op, row: Record, merged: MergeResult, values: dict[str, Any]
) -> None:
    for c in merged.conflicts:
        session.add(
            Conflict(
                kind="hard",
                entity=op.entity,
                row_id=op.row_id,
                cite_id=row.cite_id,
                op_id=op.op_id,
                field=c.field,
                server_value=c.server_value,
                server_hlc=c.server_hlc,
                incoming_value=c.incoming_value,
                incoming_hlc=c.incoming_hlc,
                incoming_won=c.incoming_won,
            )
        )
    if merged.soft_conflict:
        session.add(
            Conflict(
                kind="soft",
                entity=op.entity,
                row_id=op.row_id,
                cite_id=row.cite_id,
                op_id=op.op_id,
                field=", ".join(sorted(values)),
                incoming_value=values,
                incoming_hlc=op.hlc,
                incoming_won=True,
                resolved_at=utcnow(),  # merged automatically: nothing for a supervisor to do
            )
        )
    session.flush()


def _check_references(session: Session, *, op: Op, values: dict[str, Any], cite_id: str) -> None:
    """Every referenced row must exist in the caller's cité (or earlier in the batch)."""
    for name, target in REFERENCE_FIELDS.get(op.entity, {}).items():
        ref = values.get(name)
        if ref is None:
            continue
        if op.entity == "person" and ref == op.row_id:
            raise OpRejected(f"{name} : une personne ne peut pas pointer vers elle-même")
        found = session.exec(
            select(Record.id).where(
                Record.id == ref, Record.entity == target, Record.cite_id == cite_id
            )
        ).first()
        if found is None:
            raise OpRejected(f"{name} : référence inconnue dans votre cité ({ref})")
    partner_id = values.get("partner_id") if op.entity == "orientation" else None
    if partner_id is not None:
        partner = session.get(Partner, partner_id)
        if partner is None or partner.cite_id != cite_id:
            raise OpRejected(f"partner_id : structure partenaire inconnue ({partner_id})")
    mediator_id = values.get("mediator_id") if op.entity == "contact" else None
    if mediator_id is not None:
        mediator = session.get(AppUser, mediator_id)
        if mediator is None or mediator.cite_id != cite_id:
            raise OpRejected(f"mediator_id : médiateur inconnu dans votre cité ({mediator_id})")
    if op.entity == "event":
        for pid in values.get("partner_ids") or ():
            partner = session.get(Partner, pid)
            if partner is None or partner.cite_id != cite_id:
                raise OpRejected(f"partner_ids : structure partenaire inconnue ({pid})")
        for mid in values.get("mediator_ids") or ():
            member = session.get(AppUser, mid)
            if member is None or member.cite_id != cite_id:
                raise OpRejected(f"mediator_ids : médiateur inconnu dans votre cité ({mid})")
