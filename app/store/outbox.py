"""Low-level access to the `outbox` table; callers hold the store lock and a transaction.

The outbox is append-only until the server acknowledges: acknowledged ops are
marked, rejected ops are kept with their reason, nothing pending is ever deleted.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from app.store.codec import Codec
from app.store.models import RejectedOp
from app.store.rows import now_iso
from domain.sync import Op, OpResult

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


def pending(conn: sqlite3.Connection, codec: Codec, limit: int) -> list[Op]:
    cur = conn.execute(
        'SELECT op_id, device_seq, entity, row_id, hlc, base_version, "set" FROM outbox'
        " WHERE state = 'pending' ORDER BY device_seq LIMIT ?",
        (limit,),
    )
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


def count_pending(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0])


def is_pending(conn: sqlite3.Connection, entity: str, row_id: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM outbox WHERE entity = ? AND row_id = ? AND state = 'pending' LIMIT 1",
        (entity, row_id),
    ).fetchone()
    return found is not None


def mark(conn: sqlite3.Connection, codec: Codec, result: OpResult) -> tuple[str, str] | None:
    """Record the server's answer to one op; returns its (entity, row_id) if it was ours."""
    found = conn.execute(
        "SELECT entity, row_id FROM outbox WHERE op_id = ?", (result.op_id,)
    ).fetchone()
    if found is None:
        return None
    state = "acked" if result.outcome in ACKED_OUTCOMES else "rejected"
    conn.execute(
        "UPDATE outbox SET state = ?, outcome = ?, reason = ? WHERE op_id = ?",
        (
            state,
            result.outcome,
            codec.encode_text(_reason_place(result.op_id), result.reason),
            result.op_id,
        ),
    )
    return found[0], found[1]


def mark_many(
    conn: sqlite3.Connection, codec: Codec, results: list[OpResult]
) -> list[tuple[str, str] | None]:
    """`mark` for a batch of answers, in a few statements; same order as `results`."""
    ids = sorted({r.op_id for r in results})
    targets: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for op_id, entity, row_id in conn.execute(
            f"SELECT op_id, entity, row_id FROM outbox WHERE op_id IN ({marks})", chunk
        ):
            targets[op_id] = (entity, row_id)
    conn.executemany(
        "UPDATE outbox SET state = ?, outcome = ?, reason = ? WHERE op_id = ?",
        [
            (
                "acked" if r.outcome in ACKED_OUTCOMES else "rejected",
                r.outcome,
                codec.encode_text(_reason_place(r.op_id), r.reason),
                r.op_id,
            )
            for r in results
            if r.op_id in targets
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
