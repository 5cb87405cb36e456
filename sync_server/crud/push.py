"""Applying pushed ops: validation, the merge rule, the ledger (DESIGN.md §3 "Push").

The caller owns the transaction (one per batch). The batch is first applied in
bulk (`sync_server.crud.push_bulk`: one read per table, merge in memory, executemany)
inside one SAVEPOINT; ops failing a check are rejected alone there. Only if the
database itself fails (a concurrent insert of the same row, a deadlock...) is that
SAVEPOINT rolled back and the batch replayed op by op (`sync_server.crud.push_one`),
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
from functools import partial

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from domain.hlc import Hlc, HlcClock, wall_ms
from domain.sync import Op, OpResult
from sync_server.crud.push_bulk import push_bulk
from sync_server.crud.push_one import push_one
from sync_server.crud.push_rules import OpRejected, TransientDbError, validate_op
from sync_server.db import begin_write
from sync_server.models import AppUser, Device, Record

__all__ = ["OpRejected", "TransientDbError", "push_ops", "split_before_revocation"]

logger = logging.getLogger(__name__)

REVOKED_LATE_OP = "saisie postérieure à la révocation de cet appareil : refusée"


def split_before_revocation(
    ops: list[Op], revoked_at: dt.datetime | None
) -> tuple[list[Op], dict[str, OpResult]]:
    """Ops a revoked device logged before its revocation (by HLC), and rejections for
    the rest. The HLC is the device's word: see SECURITY.md on this grace window."""
    if revoked_at is None:
        return ops, {}
    aware = revoked_at if revoked_at.tzinfo else revoked_at.replace(tzinfo=dt.UTC)
    limit_ms = int(aware.timestamp() * 1000)
    kept: list[Op] = []
    late: dict[str, OpResult] = {}
    for op in ops:
        try:
            before = Hlc.parse(op.hlc).ms < limit_ms
        except ValueError:
            before = False
        if before:
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
    try:
        with session.begin_nested():
            results = push_bulk(
                session,
                user=user,
                device=device,
                ops=ops,
                clock=clock,
                now_ms=now_ms,
                validate=partial(validate_op, normalised=normalised, user_id=user.id),
                rejected=OpRejected,
            )
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
    return [
        push_one(session, op=op, user=user, device=device, clock=clock, now_ms=now_ms(), own=own)
        for op in ops
    ]
