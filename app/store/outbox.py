"""Low-level access to the `outbox` table; callers hold the store lock and a transaction.

The outbox is append-only until the server acknowledges: acknowledged ops are
deleted, rejected ops are kept with their reason, nothing pending is ever deleted.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from app.store.codec import Codec
from app.store.models import RejectedOp
from app.store.rows import now_iso
from domain.sync import PROTOCOL, SCHEMA_VERSION, Op, OpResult

ACKED_OUTCOMES = frozenset({"applied", "duplicate", "superseded", "conflict"})


def _reason_place(op_id: str) -> str:
    return f"outbox-reason|{op_id}"


def append(
    conn: sqlite3.Connection,
    codec: Codec,
    *,
    op_id: str,
    device_seq: int,
    entity: str,
    row_id: str,
    hlc: str,
    base_version: int | None,
    values: dict[str, Any],
) -> None:
    conn.execute(
        'INSERT INTO outbox (op_id, device_seq, entity, row_id, hlc, base_version, "set",'
        " created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
        (
            op_id,
            device_seq,
            entity,
            row_id,
            hlc,
            base_version,
            codec.encode_set(op_id, values),
            now_iso(),
        ),
    )


def _pending_rows(conn: sqlite3.Connection, limit: int, after_seq: int = -1) -> sqlite3.Cursor:
    """Pending ops in `device_seq` order, after `after_seq`, at most `limit`."""
    return conn.execute(
        'SELECT op_id, device_seq, entity, row_id, hlc, base_version, "set" FROM outbox'
        " WHERE state = 'pending' AND device_seq > ? ORDER BY device_seq LIMIT ?",
        (after_seq, limit),
    )


def pending(conn: sqlite3.Connection, codec: Codec, limit: int) -> list[Op]:
    cur = _pending_rows(conn, limit)
    return [
        Op(
            op_id=r[0],
            device_seq=r[1],
            entity=r[2],
            row_id=r[3],
            hlc=r[4],
            base_version=r[5],
            set=codec.decode_set(r[0], r[6]),
        )
        for r in cur
    ]


@dataclass(frozen=True)
class PendingBatch:
    """The oldest pending ops, as the JSON body of a push (before compression)."""

    op_ids: list[str]
    body: bytes
    last_seq: int | None
    """`device_seq` of the batch's last op (None when empty)."""
    more: bool
    """Other ops were pending after this batch when it was read."""


# The push body's head (protocol and schema version), then the ops.
_HEAD = json.dumps({"protocol": PROTOCOL, "schema_version": SCHEMA_VERSION})[:-1]
_quote = json.encoder.encode_basestring


def pending_batch(
    conn: sqlite3.Connection, codec: Codec, limit: int, after_seq: int | None = None
) -> PendingBatch:
    """Like `pending` (after `after_seq` if given), spliced straight into the push body.

    Each op's `set` is already stored as compact JSON (`Codec.encode_set`): it is
    opened (decrypted) and copied in as text, never decoded and re-encoded, and no
    model is built per op. The server validates the body like any other; this
    produces the same JSON as `PushRequest(ops=pending(...))` (a test compares).
    """
    # One op past the batch, to know whether there is more.
    cur = _pending_rows(conn, limit + 1, -1 if after_seq is None else after_seq)
    op_ids: list[str] = []
    parts: list[str] = []
    seq = None
    more = False
    for op_id, op_seq, entity, row_id, hlc, base, stored in cur:
        if len(op_ids) == limit:
            more = True
            break
        seq = op_seq
        op_ids.append(op_id)
        parts.append(
            f'{{"op_id":{_quote(op_id)},"device_seq":{int(seq)},"entity":{_quote(entity)},'
            f'"row_id":{_quote(row_id)},"hlc":{_quote(hlc)},'
            f'"base_version":{"null" if base is None else int(base)},'
            f'"set":{codec.open_set(op_id, stored)}}}'
        )
    body = f'{_HEAD},"ops":[{",".join(parts)}]}}'
    return PendingBatch(op_ids, body.encode(), None if seq is None else int(seq), more)


def count_pending(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0])


def pending_entries(conn: sqlite3.Connection) -> dict[str, int]:
    """entity → rows with at least one pending op."""
    return {
        str(entity): int(n)
        for entity, n in conn.execute(
            "SELECT entity, COUNT(DISTINCT row_id) FROM outbox WHERE state = 'pending'"
            " GROUP BY entity"
        )
    }


def is_pending(conn: sqlite3.Connection, entity: str, row_id: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM outbox WHERE entity = ? AND row_id = ? AND state = 'pending' LIMIT 1",
        (entity, row_id),
    ).fetchone()
    return found is not None


def settle_many(
    conn: sqlite3.Connection, codec: Codec, results: list[OpResult]
) -> list[tuple[str, str] | None]:
    """Record the server's answers; returns each answered op's (entity, row_id) if it
    was ours, in the order of `results`.

    An acknowledged op leaves the outbox: the server has it (its ledger answers a
    resend as `duplicate`), and the row holds the values. Keeping it would keep a
    copy of a person's values nothing reads, past an erasure on the server. A
    rejected op stays, with its reason, until the mediator corrects or drops it.
    """
    ids = sorted({r.op_id for r in results})
    targets: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for op_id, entity, row_id in conn.execute(
            f"SELECT op_id, entity, row_id FROM outbox WHERE op_id IN ({marks})", chunk
        ):
            targets[op_id] = (entity, row_id)
    acked = [r.op_id for r in results if r.outcome in ACKED_OUTCOMES and r.op_id in targets]
    conn.execute(
        "DELETE FROM outbox WHERE op_id IN (SELECT value FROM json_each(?))", (json.dumps(acked),)
    )
    conn.executemany(
        "UPDATE outbox SET state = 'rejected', outcome = ?, reason = ? WHERE op_id = ?",
        [
            (r.outcome, codec.encode_text(_reason_place(r.op_id), r.reason), r.op_id)
            for r in results
            if r.outcome not in ACKED_OUTCOMES and r.op_id in targets
        ],
    )
    return [targets.get(r.op_id) for r in results]


def rejected(conn: sqlite3.Connection, codec: Codec) -> list[RejectedOp]:
    cur = conn.execute(
        "SELECT op_id, entity, row_id, \"set\", reason FROM outbox WHERE state = 'rejected'"
        " ORDER BY device_seq"
    )
    return [
        RejectedOp(
            r[0],
            r[1],
            r[2],
            tuple(codec.decode_set(r[0], r[3])),
            codec.decode_text(_reason_place(r[0]), r[4]) or "refusée par le serveur",
        )
        for r in cur
    ]
