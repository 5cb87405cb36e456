"""What a bulk batch records besides its rows: ledger entries, conflicts, answers.

Kept in the batch's `BulkState` while merging (`push_bulk`), written by `flush_state`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.ids import uuid7
from domain.merge import MergeResult
from domain.sync import Op, OpResult, trusted_model
from sync_server.sync.checks import storable
from sync_server.sync.push_state import BulkState, LedgerEntry, Pusher

# An op's answer, as an OpResult's values: op id, outcome, version, clock flagged, reason.
Answer = tuple[str, str, int | None, bool, str | None]


def fast_result(
    op_id: str, outcome: str, version: int | None, clock_flagged: bool, reason: str | None = None
) -> OpResult:
    """An OpResult of values already checked (ours), without pydantic's per-call work
    (`model_construct` costs ~8 µs, a tenth of a new row's whole merge)."""
    values = {
        "op_id": op_id,
        "outcome": outcome,
        "version": version,
        "reason": reason,
        "clock_flagged": clock_flagged,
    }
    return trusted_model(OpResult, values, set(_RESULT_FIELDS))


_RESULT_FIELDS = frozenset({"op_id", "outcome", "version", "reason", "clock_flagged"})


def conflict_rows(
    *, op: Op, cite_id: str, merged: MergeResult, values: dict[str, Any], now: dt.datetime
) -> list[dict[str, Any]]:
    """The conflict log's rows for an op's merge (by column): a hard conflict per
    field, and a soft one, resolved at once, for a concurrent edit merged by itself."""
    if not merged.conflicts and not merged.soft_conflict:
        return []
    base = {"entity": op.entity, "row_id": op.row_id, "cite_id": cite_id, "op_id": op.op_id}
    empty = {"resolved_at": None, "resolved_by": None, "resolution": None}
    rows = [
        {
            **base,
            **empty,
            "id": uuid7(),
            "kind": "hard",
            "field": c.field,
            "server_value": c.server_value,
            "server_hlc": c.server_hlc,
            "incoming_value": c.incoming_value,
            "incoming_hlc": c.incoming_hlc,
            "incoming_won": c.incoming_won,
            "created_at": now,
        }
        for c in merged.conflicts
    ]
    if merged.soft_conflict:
        rows.append(
            {
                **base,
                **empty,
                "id": uuid7(),
                "kind": "soft",
                "field": ", ".join(sorted(values)),
                "server_value": None,
                "server_hlc": None,
                "incoming_value": values,
                "incoming_hlc": op.hlc,
                "incoming_won": True,
                "created_at": now,
                "resolved_at": now,  # merged automatically: nothing for a supervisor to do
            }
        )
    return rows


def ledger_fields(
    op: Op, *, device_id: str, user_id: str, answer: Answer, now: dt.datetime
) -> dict[str, Any]:
    """The ledger entry of `op` answered `answer`, by column (`set`: the op's values;
    of a rejected op, what of them any database can store, `checks.storable`)."""
    _op_id, outcome, version, clock_flagged, reason = answer
    hlc, values = (op.hlc, op.set) if reason is None else storable(op)
    return {
        "op_id": op.op_id,
        "device_id": device_id,
        "user_id": user_id,
        "entity": op.entity,
        "row_id": op.row_id,
        "device_seq": op.device_seq,
        "hlc": hlc,
        "base_version": op.base_version,
        "set": values,
        "outcome": outcome,
        "version": version,
        "reason": reason,
        "clock_flagged": clock_flagged,
        "received_at": now,
    }


def record_ledger(
    state: BulkState, *, op: Op, pusher: Pusher, answer: Answer, now: dt.datetime
) -> None:
    """Keep `op`'s ledger entry for the batch's write (`flush_state`)."""
    _op_id, outcome, version, clock_flagged, _reason = answer
    previous = state.ledger.get(op.op_id)
    state.ledger[op.op_id] = LedgerEntry(
        outcome, version, clock_flagged, previous is not None and previous.in_db
    )
    state.ledger_writes[op.op_id] = ledger_fields(
        op, device_id=pusher.device_id, user_id=pusher.user_id, answer=answer, now=now
    )
