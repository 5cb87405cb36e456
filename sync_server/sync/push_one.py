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

from domain.entities import record_person_id
from domain.merge import MergeOutcome, MergeResult, StoredRow, sees_every_change
from domain.sync import Op, OpResult
from sync_server.core.db import current_txid, next_version
from sync_server.models import AppUser, Conflict, Partner, Record, SyncOp, utcnow
from sync_server.sync.checks import (
    OpRejected,
    TransientDbError,
    check_op,
    stamp,
    validate_op,
)
from sync_server.sync.merge import merge_reviewed
from sync_server.sync.own_versions import own_versions_in_ledger
from sync_server.sync.push_log import conflict_rows, ledger_fields
from sync_server.sync.push_state import Pusher

logger = logging.getLogger(__name__)

_INTERNAL_ERROR = "erreur du serveur sur cette opération ; renvoyez-la plus tard"


def push_one(session: Session, *, op: Op, pusher: Pusher, own: dict[str, set[int]]) -> OpResult:
    """Apply one op of a batch; `own` holds, per row, the versions the batch's earlier
    ops produced (the device saw them: `domain.merge`), and gains this op's."""
    # A rejected op changed nothing, so a resend is evaluated again (its reference
    # may exist by now); any other stored outcome is final.
    taken = _taken(session.get(SyncOp, op.op_id))
    if taken is not None:
        return taken
    for attempt in (1, 2):
        try:
            with session.begin_nested():
                result = _apply(session, op=op, pusher=pusher, own=own)
                _write_ledger(session, op=op, pusher=pusher, result=result)
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
                taken = _taken(session.get(SyncOp, op.op_id, populate_existing=True))
                if taken is not None:
                    return taken
        except SQLAlchemyError as exc:
            # Anything else is this op's own fault (bad data the checks missed).
            logger.warning("op %s rolled back: %s", op.op_id, type(exc).__name__)
            reason = _INTERNAL_ERROR
            break
    result = OpResult(op_id=op.op_id, outcome="rejected", reason=reason)
    try:
        with session.begin_nested():
            _write_ledger(session, op=op, pusher=pusher, result=result)
    except SQLAlchemyError as exc:
        logger.warning("could not log rejected op %s: %s", op.op_id, type(exc).__name__)
    return result


def _taken(stored: SyncOp | None) -> OpResult | None:
    """The answer to an op the ledger already took (`duplicate`), if it did."""
    if stored is None or stored.outcome == "rejected":
        return None
    return OpResult(
        op_id=stored.op_id,
        outcome="duplicate",
        version=stored.version,
        clock_flagged=stored.clock_flagged,
    )


def _write_ledger(session: Session, *, op: Op, pusher: Pusher, result: OpResult) -> None:
    answer = (op.op_id, result.outcome, result.version, result.clock_flagged, result.reason)
    fields = ledger_fields(
        op, device_id=pusher.device_id, user_id=pusher.user_id, answer=answer, now=utcnow()
    )
    fields["set_values"] = fields.pop("set")  # the column's name in the model
    entry = session.get(SyncOp, op.op_id)
    if entry is None:
        entry = SyncOp(**fields)
    else:
        entry.sqlmodel_update(fields)
    session.add(entry)
    session.flush()


class _StoredReferences:
    """`checks.References` read from the database: the batch's earlier ops are
    flushed, so they are found too."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def row(self, row_id: str) -> tuple[str, str] | None:
        found = self.session.exec(
            select(Record.entity, Record.cite_id).where(Record.id == row_id)
        ).first()
        return None if found is None else (found[0], found[1])

    def partner_cite(self, partner_id: str) -> str | None:
        partner = self.session.get(Partner, partner_id)
        return None if partner is None else partner.cite_id

    def member_cite(self, user_id: str) -> str | None:
        member = self.session.get(AppUser, user_id)
        return None if member is None else member.cite_id


def _apply(session: Session, *, op: Op, pusher: Pusher, own: dict[str, set[int]]) -> OpResult:
    values, claimed = validate_op(op, pusher.role, user_id=pusher.user_id)
    hlc, flagged = stamp(pusher.clock, claimed, pusher.now_ms())
    row = session.exec(select(Record).where(Record.id == op.row_id).with_for_update()).first()
    check_op(
        op,
        values,
        cite_id=pusher.cite_id,
        stored=None if row is None else (row.entity, row.cite_id),
        refs=_StoredReferences(session),
    )
    outcome, version = _merge(
        session, op=op, row=row, values=values, hlc=hlc.encode(), pusher=pusher, own=own
    )
    return OpResult(op_id=op.op_id, outcome=outcome, version=version, clock_flagged=flagged)


def _merge(
    session: Session,
    *,
    op: Op,
    row: Record | None,
    values: dict[str, Any],
    hlc: str,
    pusher: Pusher,
    own: dict[str, set[int]],
) -> tuple[MergeOutcome, int]:
    """Merge the checked op into `row` (None: it creates it); its outcome and version."""
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
        seen |= own_versions_in_ledger(
            session.connection(), row_id=op.row_id, device_id=pusher.device_id
        )
    merged, changes, hlcs = merge_reviewed(op, stored, values=values, hlc=hlc, own=seen)
    if row is None:
        row = Record(
            id=op.row_id,
            entity=op.entity,
            cite_id=pusher.cite_id,
            created_by=pusher.user_id,
            device_id=pusher.device_id,
            version=0,
            updated_hlc="",
        )
    _write_row(
        session, row=row, stored=stored, changes=changes, hlcs=hlcs, device_id=pusher.device_id
    )
    if changes:
        seen.add(row.version)
    _log_conflicts(session, op=op, row=row, merged=merged, values=values)
    return merged.outcome, row.version


def _write_row(
    session: Session,
    *,
    row: Record,
    stored: StoredRow | None,
    changes: dict[str, Any],
    hlcs: dict[str, str],
    device_id: str,
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
        row.device_id = device_id
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
    rows = conflict_rows(op=op, cite_id=row.cite_id, merged=merged, values=values, now=utcnow())
    for conflict in rows:
        session.add(Conflict(**conflict))
    session.flush()
