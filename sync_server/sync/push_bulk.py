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
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from domain.entities import REFERENCE_FIELDS, REQUIRED_ON_CREATE, record_person_id
from domain.field_stamps import compact_hlc, compact_version
from domain.hlc import HlcClock, is_ahead
from domain.merge import StoredRow, merge_op, sees_every_change
from domain.review_loop import REVIEW_FIELD, review_loop, review_state_on_create
from domain.sync import CLOCK_TOLERANCE_MS, Op, OpResult
from sync_server.core.db import is_postgres
from sync_server.models import AppUser, Conflict, Device, utcnow
from sync_server.sync.bulk_write import insert_many, update_many
from sync_server.sync.own_versions import own_versions_in_ledger
from sync_server.sync.push_log import fast_result, log_conflicts, record_ledger
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


class BulkRejected(Exception):
    """An op rejected by a check; the message is its readable reason."""


def _check(
    state: BulkState, *, op: Op, values: dict[str, Any], cite_id: str, row: BatchRow | None
) -> None:
    if row is not None and (row.values["entity"] != op.entity or row.values["cite_id"] != cite_id):
        raise BulkRejected(f"ligne {op.row_id} inconnue pour ce type dans votre cité")
    if row is None:
        missing = sorted(f for f in REQUIRED_ON_CREATE[op.entity] if values.get(f) is None)
        if missing:
            raise BulkRejected(f"champs obligatoires manquants : {', '.join(missing)}")
    for name, target in REFERENCE_FIELDS.get(op.entity, {}).items():
        ref = values.get(name)
        if ref is None:
            continue
        if op.entity == "person" and ref == op.row_id:
            raise BulkRejected(f"{name} : une personne ne peut pas pointer vers elle-même")
        batch_row = state.rows.get(ref)
        found = (
            (batch_row.values["entity"], batch_row.values["cite_id"])
            if batch_row is not None
            else state.refs.get(ref)
        )
        if found != (target, cite_id):
            raise BulkRejected(f"{name} : référence inconnue dans votre cité ({ref})")
    partner_id = values.get("partner_id") if op.entity == "orientation" else None
    if partner_id is not None and state.partners.get(partner_id) != cite_id:
        raise BulkRejected(f"partner_id : structure partenaire inconnue ({partner_id})")
    mediator_id = values.get("mediator_id") if op.entity == "contact" else None
    if mediator_id is not None and state.members.get(mediator_id) != cite_id:
        raise BulkRejected(f"mediator_id : médiateur inconnu dans votre cité ({mediator_id})")
    if op.entity == "event":
        for pid in values.get("partner_ids") or ():
            if state.partners.get(pid) != cite_id:
                raise BulkRejected(f"partner_ids : structure partenaire inconnue ({pid})")
        for mid in values.get("mediator_ids") or ():
            if state.members.get(mid) != cite_id:
                raise BulkRejected(f"mediator_ids : médiateur inconnu dans votre cité ({mid})")


def apply_in_memory(
    session: Session,
    state: BulkState,
    *,
    op: Op,
    values: dict[str, Any],
    effective_hlc: str,
    pusher: Pusher,
    versions: VersionAllocator,
    txid: int | None,
    now: dt.datetime,
) -> tuple[str, int | None]:
    """Merge one validated op into the batch state; raises BulkRejected before any change.

    Returns the op's outcome and version (a placeholder until `versions.resolve`)."""
    row = state.rows.get(op.row_id)
    _check(state, op=op, values=values, cite_id=pusher.cite_id, row=row)
    if row is None:
        version = versions.next()
        return _create(
            state,
            op=op,
            values=values,
            hlc=effective_hlc,
            pusher=pusher,
            version=version,
            txid=txid,
            now=now,
        )
    v = row.values
    stored = StoredRow(v["data"], v["field_hlc"], v["field_version"], v["version"])
    if not (row.new or row.ledger_read) and not sees_every_change(
        stored, base_version=op.base_version, own_versions=row.own
    ):
        row.own |= own_versions_in_ledger(
            session.connection(), row_id=op.row_id, device_id=pusher.device_id
        )
        row.ledger_read = True
    merged = merge_op(
        stored,
        values=values,
        hlc=effective_hlc,
        base_version=op.base_version,
        own_versions=row.own,
    )
    changes, hlcs = review_loop(
        op.entity,
        stored,
        values=values,
        changes=merged.changes,
        hlcs=merged.field_hlc,
        base_version=op.base_version,
        hlc=effective_hlc,
    )
    if changes:
        version = versions.next()
        row.own.add(version)
        v["data"] = {**v["data"], **changes}
        v["field_version"] = {**v["field_version"], **dict.fromkeys(changes, version)}
        v["version"] = version
        v["txid"] = txid
        v["deleted"] = bool(v["data"].get("deleted"))
        v["person_id"] = record_person_id(v["entity"], v["id"], v["data"])
        v["device_id"] = pusher.device_id
        v["updated_at"] = now
    if hlcs:
        v["field_hlc"] = {**v["field_hlc"], **hlcs}
        v["updated_hlc"] = max(v["updated_hlc"], *hlcs.values())
    if changes or hlcs:
        row.dirty = True
        row.uniform = False
    log_conflicts(state, op=op, cite_id=v["cite_id"], merged=merged, values=values, now=now)
    return merged.outcome, v["version"]


def _create(
    state: BulkState,
    *,
    op: Op,
    values: dict[str, Any],
    hlc: str,
    pusher: Pusher,
    version: int,
    txid: int | None,
    now: dt.datetime,
) -> tuple[str, int]:
    """A row the op creates, as `merge_op` and `review_loop` make it with no stored
    row (every field at the op's stamp and version, a new contact filed for review),
    without building their intermediate maps: most rows of a large push are new."""
    data = dict(values)
    review = review_state_on_create(op.entity, values)
    if review is not None:
        data[REVIEW_FIELD] = review
    state.rows[op.row_id] = BatchRow(
        {
            "id": op.row_id,
            "entity": op.entity,
            "cite_id": pusher.cite_id,
            "person_id": record_person_id(op.entity, op.row_id, data),
            "data": data,
            "field_hlc": dict.fromkeys(data, hlc),
            "field_version": dict.fromkeys(data, version),
            "version": version,
            "txid": txid,
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


def _compact_stamps(row: BatchRow) -> None:
    """The row's stamp maps in their stored form (`domain.field_stamps`).

    Placeholder versions compare as the real ones they stand for (distinct, and new),
    so this runs before they are resolved: only the few stamps left are resolved."""
    v = row.values
    if row.uniform:  # what `compact` gives when every field has the row's own stamps
        v["field_hlc"], v["field_version"] = {}, {}
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


def push_bulk(
    session: Session,
    *,
    user: AppUser,
    device: Device,
    ops: list[Op],
    clock: HlcClock,
    now_ms: Callable[[], int],
    validate: Callable[[Op, str], tuple[dict[str, Any], Any]],
    rejected: type[Exception],
) -> list[OpResult]:
    """Apply `ops` in memory and write them in bulk; database errors propagate."""
    pg = is_postgres(session)
    pusher = Pusher(user.id, user.cite_id, device.id, user.role)
    state = load_state(session, ops, pg, pusher)
    versions = VersionAllocator()
    txid = TXID_PENDING if pg else None
    # One time for the batch: it is written in one transaction.
    now = utcnow()
    answers: list[tuple[str, str, int | None, bool, str | None]] = []
    for op in ops:
        known = state.ledger.get(op.op_id)
        if known is not None and known.outcome != "rejected":
            answers.append((op.op_id, "duplicate", known.version, known.clock_flagged, None))
            continue
        flagged = False
        try:
            values, hlc = validate(op, pusher.role)
            flagged = is_ahead(hlc, now_ms(), CLOCK_TOLERANCE_MS)
            if flagged:
                effective = clock.now()
            else:
                clock.observe(hlc)
                effective = hlc
            outcome, version = apply_in_memory(
                session,
                state,
                op=op,
                values=values,
                effective_hlc=effective.encode(),
                pusher=pusher,
                versions=versions,
                txid=txid,
                now=now,
            )
            reason = None
        except (BulkRejected, rejected) as exc:
            outcome, version, reason, flagged = "rejected", None, str(exc), False
        record_ledger(
            state,
            op=op,
            pusher=pusher,
            outcome=outcome,
            version=version,
            reason=reason,
            clock_flagged=flagged,
            now=now,
        )
        answers.append((op.op_id, outcome, version, flagged, reason))
    versions.resolve(session, pg)
    real = versions.real
    for row in state.rows.values():
        if row.dirty:
            _compact_stamps(row)
            v = row.values
            if v["txid"] == TXID_PENDING:
                v["txid"] = versions.txid
            v["version"] = real(v["version"])
            v["field_version"] = versions.real_all(v["field_version"])
    for entry in state.ledger_writes.values():
        entry["version"] = real(entry["version"])
    flush_state(session, state)
    return [
        fast_result(op_id, outcome, real(version), flagged, reason)
        for op_id, outcome, version, flagged, reason in answers
    ]
