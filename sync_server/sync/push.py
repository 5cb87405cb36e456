"""Applying pushed ops: validation, the merge rule, the ledger (docs/architecture.md §3.2, §3.3).

The caller owns the transaction (one per batch). The batch is first applied in
bulk (`sync_server.sync.push_bulk`: one read per table, merge in memory, executemany)
inside one SAVEPOINT; ops failing a check are rejected alone there. Only if the
database itself fails (a concurrent insert of the same row, a deadlock...) is that
SAVEPOINT rolled back and the batch replayed op by op (`sync_server.sync.push_one`),
each op in its own SAVEPOINT, so the failing op is rolled back and rejected alone.

A database that is only busy (deadlock, lock timeout, serialisation failure, SQLite
"database is locked") must not turn an op into a rejection the phone would never
resend: `TransientDbError` makes the route answer 503 for the whole batch, nothing
is kept, and the phone retries later with its outbox intact. A unique violation is
retried once (a concurrent request inserted the same row or op: the retry sees it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from domain.entities import REFERENCE_FIELDS
from domain.hlc import Hlc, HlcClock, wall_ms
from domain.sync import CLOCK_TOLERANCE_MS, Op, OpResult
from sync_server.core.db import begin_write, is_postgres
from sync_server.models import AppUser, Device, Record, SyncOp, utcnow
from sync_server.sync.checks import OpRejected, TransientDbError
from sync_server.sync.push_bulk import push_bulk
from sync_server.sync.push_log import ledger_fields
from sync_server.sync.push_one import push_one
from sync_server.sync.push_state import Pusher, erased_among

__all__ = [
    "BEFORE_DEVICE_OP",
    "ERASED_REASON",
    "OpRejected",
    "TransientDbError",
    "named_rows",
    "push_ops",
    "refuse_erased",
    "split_before_revocation",
]

logger = logging.getLogger(__name__)

REVOKED_LATE_OP = "saisie postérieure à la révocation de cet appareil : refusée"
BEFORE_DEVICE_OP = "saisie datée d'avant l'enrôlement de cet appareil (horloge faussée) : refusée"
ERASED_REASON = (
    "personne effacée à sa demande (RGPD) : cette saisie est refusée et retirée de ce téléphone"
)


def named_rows(entity: str, row_id: str, values: dict[str, object]) -> set[str]:
    """The rows an op writes or points at: its own row and its references."""
    named = {row_id}
    for name in REFERENCE_FIELDS.get(entity, {}):
        value = values.get(name)
        if isinstance(value, str):
            named.add(value)
    return named


def refuse_erased(
    session: Session, *, user: AppUser, device: Device, ops: list[Op]
) -> tuple[list[Op], dict[str, OpResult]]:
    """The ops to merge, and refusals for those that write or name an erased row.

    An erasure is final: a phone that was offline may still hold the person and
    send edits or new contacts on them. Such an op is refused before the merge, so
    it leaves no value anywhere (no conflict, no row); its ledger entry keeps the
    field names only. An op already taken before the erasure stays a `duplicate`."""
    if is_postgres(session):
        # An erasure takes ROW EXCLUSIVE on this table before it writes anything
        # (`rights.erase_person`): a push waits for it to commit, then reads its rows,
        # and an erasure waits for the pushes already past this point.
        session.execute(text("LOCK TABLE erased_row IN SHARE MODE"))
    named: set[str] = set()
    for op in ops:
        named |= named_rows(op.entity, op.row_id, op.set)
    erased = erased_among(session, named)
    if not erased:
        return ops, {}
    hit = [op for op in ops if not erased.isdisjoint(named_rows(op.entity, op.row_id, op.set))]
    ledger = {
        e.op_id: e
        for e in session.exec(
            select(SyncOp).where(col(SyncOp.op_id).in_([op.op_id for op in hit]))
        ).all()
    }
    refused: dict[str, OpResult] = {}
    for op in hit:
        entry = ledger.get(op.op_id)
        if entry is not None and entry.outcome != "rejected":
            continue  # taken before the erasure: answered `duplicate` by the merge
        answer = (op.op_id, "rejected", None, False, ERASED_REASON)
        fields = ledger_fields(
            op, device_id=device.id, user_id=user.id, answer=answer, now=utcnow()
        )
        scrubbed = dict.fromkeys(fields.pop("set"))
        if entry is None:
            entry = SyncOp(**fields, set_values=scrubbed)
        else:
            entry.set_values, entry.reason, entry.received_at = scrubbed, ERASED_REASON, utcnow()
        session.add(entry)
        ledger[op.op_id] = entry
        refused[op.op_id] = OpResult(op_id=op.op_id, outcome="rejected", reason=ERASED_REASON)
    session.flush()
    return [op for op in ops if op.op_id not in refused], refused


def _ms(at: dt.datetime) -> int:
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return int(aware.timestamp() * 1000)


def split_before_revocation(
    ops: list[Op], revoked_at: dt.datetime | None, created_at: dt.datetime | None = None
) -> tuple[list[Op], dict[str, OpResult]]:
    """Ops a revoked device says it logged before its revocation (by HLC), and
    rejections for the rest: those stamped after it, and those stamped before the
    device existed (a clock set back; a minute of clock drift is allowed). The HLC
    is the device's word: the ops kept are held for a supervisor, never applied
    by themselves (`crud.held_ops`)."""
    if revoked_at is None:
        return ops, {}
    limit_ms = _ms(revoked_at)
    floor_ms = _ms(created_at) - CLOCK_TOLERANCE_MS if created_at is not None else 0
    kept: list[Op] = []
    late: dict[str, OpResult] = {}
    for op in ops:
        try:
            ms = Hlc.parse(op.hlc).ms
        except ValueError:
            ms = limit_ms
        if ms < floor_ms:
            late[op.op_id] = OpResult(op_id=op.op_id, outcome="rejected", reason=BEFORE_DEVICE_OP)
        elif ms < limit_ms:
            kept.append(op)
        else:
            late[op.op_id] = OpResult(op_id=op.op_id, outcome="rejected", reason=REVOKED_LATE_OP)
    return kept, late


def push_ops(
    session: Session,
    *,
    user: AppUser,
    device: Device,
    ops: list[Op],
    clock: HlcClock,
    now_ms: Callable[[], int] = wall_ms,
    normalised: bool = False,
) -> list[OpResult]:
    """Apply a batch of ops for `device`; the caller commits.

    `normalised`: every op's `set` is already as `normalise_fields` returns it (the
    push body was validated in one pass, `domain.sync.normalised_push`), so the
    bulk path does not validate the fields again. The op-by-op path below, taken
    only after a database error, still does: normalising twice changes nothing."""
    begin_write(session)
    pusher = Pusher.of(user, device, clock, now_ms, normalised)
    rest, refused = refuse_erased(session, user=user, device=device, ops=ops)
    if not refused:
        return _merge(session, pusher=pusher, ops=ops)
    merged = iter(_merge(session, pusher=pusher, ops=rest) if rest else ())
    return [refused[op.op_id] if op.op_id in refused else next(merged) for op in ops]


def _merge(session: Session, *, pusher: Pusher, ops: list[Op]) -> list[OpResult]:
    """The batch in bulk, or op by op if the database failed the bulk attempt."""
    try:
        with session.begin_nested():
            results = push_bulk(session, pusher=pusher, ops=ops)
        # The bulk path writes with Core statements behind the ORM's back: objects
        # already loaded in this session (records, ledger rows) would read stale.
        session.expire_all()
        return results
    except SQLAlchemyError as exc:
        logger.warning("bulk push rolled back (%s); replaying op by op", type(exc).__name__)
    # Lock the batch's existing rows up front, in id order: two batches locking the
    # same rows op by op in different orders deadlock on PostgreSQL, and the
    # victim's ops would come back rejected.
    row_ids = sorted({op.row_id for op in ops})
    session.exec(
        select(Record.id).where(col(Record.id).in_(row_ids)).order_by(Record.id).with_for_update()
    ).all()
    own: dict[str, set[int]] = {}  # per row, the versions this batch produced
    return [push_one(session, op=op, pusher=pusher, own=own) for op in ops]
