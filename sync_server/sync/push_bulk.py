"""The bulk path of `push_ops`: a whole batch in a handful of statements.

Same rule as the op-by-op path of `sync_server.sync.push` (which stays the
reference and the fallback), but the rows and ledger entries of the batch are
read in one query each, the ops are merged in memory in arrival order, and the
results are written with executemany. Every check that can reject an op
(validation, scope, references, required fields) runs in memory *before* the op
touches the in-memory state, so a rejected op changes nothing, as before. A
database error aborts the whole bulk attempt; the caller then rolls back its
SAVEPOINT and replays the batch op by op, where the failing op is isolated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from domain.entities import record_person_id
from domain.field_stamps import compact_hlc, compact_version
from domain.merge import StoredRow, sees_every_change
from domain.review_loop import REVIEW_FIELD, review_state_on_create
from domain.sync import Op, OpResult
from sync_server.core.db import is_postgres
from sync_server.models import Conflict, utcnow
from sync_server.sync.bulk_write import JsonText, insert_many, update_many
from sync_server.sync.checks import OpRejected, check_op, clean_json, stamp, validate_op
from sync_server.sync.merge import merge_reviewed
from sync_server.sync.own_versions import own_versions_in_ledger
from sync_server.sync.push_log import Answer, conflict_rows, fast_result, record_ledger
from sync_server.sync.push_state import (
    LEDGER,
    RECORD,
    BatchRow,
    BulkState,
    Pusher,
    load_state,
)
from sync_server.sync.push_versions import TXID_PENDING, VersionAllocator

CONFLICT = Conflict.__table__  # type: ignore[attr-defined]


@dataclass
class BulkBatch:
    """A batch being merged in memory: what it read, who pushes, its versions."""

    session: Session
    state: BulkState
    pusher: Pusher
    versions: VersionAllocator
    txid: int | None
    now: dt.datetime  # one time for the batch: it is written in one transaction
    today: dt.date


def apply_in_memory(
    batch: BulkBatch, *, op: Op, values: dict[str, Any], hlc: str
) -> tuple[str, int | None]:
    """Merge one validated op into the batch state; raises OpRejected before any change.

    Returns the op's outcome and version (a placeholder until `versions.resolve`)."""
    row = batch.state.rows.get(op.row_id)
    stored = None if row is None else (row.values["entity"], row.values["cite_id"])
    check_op(op, values, cite_id=batch.pusher.cite_id, stored=stored, refs=batch.state)
    if row is None:
        return _create(batch, op=op, values=values, hlc=hlc)
    return _update(batch, row, op=op, values=values, hlc=hlc)


def _update(
    batch: BulkBatch, row: BatchRow, *, op: Op, values: dict[str, Any], hlc: str
) -> tuple[str, int | None]:
    v = row.values
    if v["field_hlc"] is None:  # created by this batch, untouched since (`_create`)
        v["field_hlc"] = dict.fromkeys(v["data"], v["updated_hlc"])
        v["field_version"] = dict.fromkeys(v["data"], v["version"])
    stored = StoredRow(v["data"], v["field_hlc"], v["field_version"], v["version"])
    if not (row.new or row.ledger_read) and not sees_every_change(
        stored, base_version=op.base_version, own_versions=row.own
    ):
        row.own |= own_versions_in_ledger(
            batch.session.connection(), row_id=op.row_id, device_id=batch.pusher.device_id
        )
        row.ledger_read = True
    merged, changes, hlcs = merge_reviewed(op, stored, values=values, hlc=hlc, own=row.own)
    _change_row(batch, row, changes=changes, hlcs=hlcs)
    batch.state.conflicts += conflict_rows(
        op=op, cite_id=v["cite_id"], merged=merged, values=values, now=batch.now
    )
    return merged.outcome, v["version"]


def _change_row(
    batch: BulkBatch, row: BatchRow, *, changes: dict[str, Any], hlcs: dict[str, str]
) -> None:
    v = row.values
    if changes:
        version = batch.versions.next()
        row.own.add(version)
        v["data"] = {**v["data"], **changes}
        v["field_version"] = {**v["field_version"], **dict.fromkeys(changes, version)}
        v["version"] = version
        v["txid"] = batch.txid
        v["deleted"] = bool(v["data"].get("deleted"))
        v["person_id"] = record_person_id(v["entity"], v["id"], v["data"])
        v["device_id"] = batch.pusher.device_id
        v["updated_at"] = batch.now
    if hlcs:
        v["field_hlc"] = {**v["field_hlc"], **hlcs}
        v["updated_hlc"] = max(v["updated_hlc"], *hlcs.values())
    if changes or hlcs:
        row.dirty = True
        row.uniform = False


def _create(batch: BulkBatch, *, op: Op, values: dict[str, Any], hlc: str) -> tuple[str, int]:
    """A row the op creates, as `merge_op` and `review_loop` make it with no stored
    row (every field at the op's stamp and version, a new contact filed for review),
    without building their intermediate maps: most rows of a large push are new.
    Its stamp maps are left out (None) until another op of the batch reads them."""
    version = batch.versions.next()
    pusher, now = batch.pusher, batch.now
    data = dict(values)
    review = review_state_on_create(op.entity, values)
    if review is not None:
        data[REVIEW_FIELD] = review
    batch.state.rows[op.row_id] = BatchRow(
        {
            "id": op.row_id,
            "entity": op.entity,
            "cite_id": pusher.cite_id,
            "person_id": record_person_id(op.entity, op.row_id, data),
            "data": data,
            "field_hlc": None,
            "field_version": None,
            "version": version,
            "txid": batch.txid,
            "deleted": bool(data.get("deleted")),
            "created_by": pusher.user_id,
            "device_id": pusher.device_id,
            "updated_hlc": hlc,
            "created_at": now,
            "updated_at": now,
        },
        new=True,
        dirty=True,
        uniform=True,
        own={version},
    )
    return "applied", version


_RECORD_UPDATE = ("person_id", "data", "field_hlc", "field_version", "version", "txid",
                  "deleted", "device_id", "updated_hlc", "updated_at")  # fmt: skip


# An empty stamp map as stored, serialised once.
_NO_STAMPS = JsonText("{}")


def _compact_stamps(row: BatchRow) -> None:
    """The row's stamp maps in their stored form (`domain.field_stamps`).

    Placeholder versions compare as the real ones they stand for (distinct, and new),
    so this runs before they are resolved: only the few stamps left are resolved."""
    v = row.values
    if row.uniform:  # what `compact` gives when every field has the row's own stamps
        v["field_hlc"], v["field_version"] = _NO_STAMPS, _NO_STAMPS
        return
    v["field_hlc"] = compact_hlc(v["data"], v["field_hlc"], v["updated_hlc"])
    v["field_version"] = compact_version(v["data"], v["field_version"], v["version"])


def flush_state(session: Session, state: BulkState) -> None:
    """Write the batch: new rows, changed rows, conflicts, ledger entries."""
    new_rows = [r.values for r in state.rows.values() if r.new and r.dirty]
    old_rows = [
        {"id": r.values["id"], **{c: r.values[c] for c in _RECORD_UPDATE}}
        for r in state.rows.values()
        if not r.new and r.dirty
    ]
    insert_many(session, RECORD, new_rows)
    update_many(session, RECORD, "id", old_rows)
    if state.conflicts:
        session.execute(insert(CONFLICT), state.conflicts)
    fresh = [w for k, w in state.ledger_writes.items() if not state.ledger[k].in_db]
    again = [w for k, w in state.ledger_writes.items() if state.ledger[k].in_db]
    insert_many(session, LEDGER, fresh)
    update_many(session, LEDGER, "op_id", again)


def push_bulk(session: Session, *, pusher: Pusher, ops: list[Op]) -> list[OpResult]:
    """Apply `ops` in memory and write them in bulk; database errors propagate."""
    pg = is_postgres(session)
    now = utcnow()
    batch = BulkBatch(
        session,
        load_state(session, ops, pg, pusher),
        pusher,
        VersionAllocator(),
        TXID_PENDING if pg else None,
        now,
        now.date(),
    )
    answers = [_merge_one(batch, op) for op in ops]
    _resolve_versions(batch, pg)
    flush_state(session, batch.state)
    real = batch.versions.real
    return [
        fast_result(op_id, outcome, real(version), flagged, reason)
        for op_id, outcome, version, flagged, reason in answers
    ]


def _merge_one(batch: BulkBatch, op: Op) -> Answer:
    """One op's answer; a rejected op changes nothing but its ledger entry."""
    known = batch.state.ledger.get(op.op_id)
    if known is not None and known.outcome != "rejected":
        return op.op_id, "duplicate", known.version, known.clock_flagged, None
    pusher = batch.pusher
    # Serialised once: checks the op's text in one C pass, and is its ledger's `set`.
    set_json = clean_json(op.set)
    try:
        values, claimed = validate_op(
            op,
            pusher.role,
            normalised=pusher.normalised,
            user_id=pusher.user_id,
            text_clean=set_json is not None,
            today=batch.today,
        )
        hlc, flagged = stamp(pusher.clock, claimed, pusher.now_ms())
        # Unflagged, the op keeps its stamp, already in its canonical text.
        text = hlc.encode() if flagged else op.hlc
        outcome, version = apply_in_memory(batch, op=op, values=values, hlc=text)
        reason = None
    except OpRejected as exc:
        outcome, version, reason, flagged = "rejected", None, str(exc), False
    # Versions are placeholders until `_resolve_versions`.
    answer = (op.op_id, outcome, version, flagged, reason)
    record_ledger(batch.state, op=op, pusher=pusher, answer=answer, now=batch.now)
    if reason is None and set_json is not None:
        batch.state.ledger_writes[op.op_id]["set"] = JsonText(set_json)
    return answer


def _resolve_versions(batch: BulkBatch, pg: bool) -> None:
    """Swap the placeholder versions (and transaction id) for real ones, in place."""
    versions = batch.versions
    versions.resolve(batch.session, pg)
    real = versions.real
    for row in batch.state.rows.values():
        if row.dirty:
            _compact_stamps(row)
            v = row.values
            if v["txid"] == TXID_PENDING:
                v["txid"] = versions.txid
            v["version"] = real(v["version"])
            if not row.uniform:  # else no stamp is left to resolve (`_compact_stamps`)
                v["field_version"] = versions.real_all(v["field_version"])
    for entry in batch.state.ledger_writes.values():
        entry["version"] = real(entry["version"])
