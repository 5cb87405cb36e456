"""Low-level access to the `row` table; callers hold the store lock and a transaction.

`deleted` lives in its own column, never inside `data`, so every reader sees one
truth; the (in-memory) person search index is rewritten with every person write.
Data and server reasons are encoded by the `Codec` only (encrypted once unlocked).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.store import plain
from app.store.codec import Codec
from app.store.models import LocalRow
from app.store.search import PersonIndex


@dataclass
class StoredRow:
    entity: str
    id: str
    data: dict[str, Any]
    server_version: int | None
    deleted: bool
    error: str | None


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


_SELECT = "SELECT entity, id, data, server_version, deleted, error FROM row"


def _error_place(entity: str, row_id: str) -> str:
    return f"row-error|{entity}|{row_id}"


def _from_db(codec: Codec, r: sqlite3.Row | tuple[Any, ...]) -> StoredRow:
    data = codec.decode_row(r[0], r[1], r[2])
    error = codec.decode_text(_error_place(r[0], r[1]), r[5])
    return StoredRow(r[0], r[1], data, r[3], bool(r[4]), error)


def load(conn: sqlite3.Connection, codec: Codec, entity: str, row_id: str) -> StoredRow | None:
    found = conn.execute(f"{_SELECT} WHERE entity = ? AND id = ?", (entity, row_id)).fetchone()
    return _from_db(codec, found) if found else None


def load_many(
    conn: sqlite3.Connection, codec: Codec, entity: str, ids: list[str] | None = None
) -> list[StoredRow]:
    if ids is None:
        cur = conn.execute(f"{_SELECT} WHERE entity = ?", (entity,))
    else:
        marks = ",".join("?" * len(ids))
        cur = conn.execute(f"{_SELECT} WHERE entity = ? AND id IN ({marks})", (entity, *ids))
    return [_from_db(codec, r) for r in cur]


_UPSERT = (
    "INSERT INTO row (entity, id, data, server_version, deleted, local_updated_at, error,"
    " link_id, sort_key, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data,"
    " server_version = excluded.server_version, deleted = excluded.deleted,"
    " local_updated_at = excluded.local_updated_at, error = excluded.error,"
    " link_id = excluded.link_id, sort_key = excluded.sort_key, state = excluded.state"
)


def save(conn: sqlite3.Connection, codec: Codec, index: PersonIndex, row: StoredRow) -> None:
    save_many(conn, codec, index, [row])


def save_many(
    conn: sqlite3.Connection, codec: Codec, index: PersonIndex, found: list[StoredRow]
) -> None:
    """Upsert rows with one executemany; persons also update the in-memory index."""
    now = now_iso()
    conn.executemany(
        _UPSERT,
        [
            (
                r.entity,
                r.id,
                codec.encode_row(r.entity, r.id, r.data),
                r.server_version,
                int(r.deleted),
                now,
                codec.encode_text(_error_place(r.entity, r.id), r.error),
                *plain.values_of(r.entity, r.data),
            )
            for r in found
        ],
    )
    for row in found:
        if row.entity == "person":
            index.put(row.id, row.data, row.deleted)


# A pulled row replaces the server's part of a row and keeps its local error (the
# server never sends one): `error` is not in the update. A copy older than the held
# one (a replayed or late page) changes nothing: the upsert itself compares the
# versions, so a pull reads nothing back first. A row never acknowledged (no
# server_version) takes any copy.
_UPSERT_PULLED = (
    "INSERT INTO row (entity, id, data, server_version, deleted, local_updated_at,"
    " link_id, sort_key, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data,"
    " server_version = excluded.server_version, deleted = excluded.deleted,"
    " local_updated_at = excluded.local_updated_at,"
    " link_id = excluded.link_id, sort_key = excluded.sort_key, state = excluded.state"
    " WHERE row.server_version IS NULL OR row.server_version <= excluded.server_version"
)


def save_pulled(
    conn: sqlite3.Connection, codec: Codec, index: PersonIndex, found: list[StoredRow]
) -> None:
    """Upsert pulled rows with one executemany, keeping each stored row's error and
    any held row newer than its copy. The caller leaves out of `found` the persons it
    must not write: the search index is updated here for every person given.

    (Sorting a page by key first was measured: no gain, with server order or random ids.)
    """
    now = now_iso()
    encode = codec.row_encoder()
    conn.executemany(
        _UPSERT_PULLED,
        [
            (
                r.entity,
                r.id,
                encode(r.entity, r.id, r.data),
                r.server_version,
                int(r.deleted),
                now,
                *plain.values_of(r.entity, r.data),
            )
            for r in found
        ],
    )
    for row in found:
        if row.entity == "person":
            index.put(row.id, row.data, row.deleted)


def versions_by_key(
    conn: sqlite3.Connection, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], int | None]:
    """server_version of the stored rows among `keys` (absent keys are not stored);
    nothing is decoded. One query per entity, its ids passed as one JSON list."""
    out: dict[tuple[str, str], int | None] = {}
    for entity, ids in _ids_by_entity(keys).items():
        for row_id, version in conn.execute(
            "SELECT id, server_version FROM row WHERE entity = ?"
            " AND id IN (SELECT value FROM json_each(?))",
            (entity, json.dumps(ids)),
        ):
            out[(entity, row_id)] = version
    return out


def _ids_by_entity(keys: set[tuple[str, str]]) -> dict[str, list[str]]:
    by_entity: dict[str, list[str]] = {}
    for entity, row_id in keys:
        by_entity.setdefault(entity, []).append(row_id)
    return by_entity


def load_where(
    conn: sqlite3.Connection,
    codec: Codec,
    entity: str,
    *,
    where: dict[str, str],
    include_deleted: bool,
    order_desc: bool | None = None,
    limit: int | None = None,
) -> list[StoredRow]:
    """Rows chosen on the clear columns (`plain`), ordered by `sort_key` if asked
    (missing values last), decoding only what is returned."""
    sql = f"{_SELECT} WHERE entity = ?"
    args: list[Any] = [entity]
    for column, value in where.items():
        assert column in plain.COLUMNS
        if column == "state" and value in plain.INDEXED_STATES:
            # A partial index serves a query only if the query names its value: a
            # literal from a fixed set, never text from outside.
            sql += f" AND state = '{value}'"
        else:
            sql += f" AND {column} = ?"
            args.append(value)
    if not include_deleted:
        sql += " AND deleted = 0"
    if order_desc is not None:
        sql += f" ORDER BY sort_key IS NULL, sort_key {'DESC' if order_desc else 'ASC'}, id"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [_from_db(codec, r) for r in conn.execute(sql, args)]


def backfill_plain(conn: sqlite3.Connection, codec: Codec) -> int:
    """Fill the clear columns of rows written before they existed (once, after unlock)."""
    updates = [
        (*plain.values_of(entity, codec.decode_row(entity, row_id, data)), entity, row_id)
        for entity, row_id, data in conn.execute("SELECT entity, id, data FROM row")
    ]
    conn.executemany(
        "UPDATE row SET link_id = ?, sort_key = ?, state = ? WHERE entity = ? AND id = ?", updates
    )
    return len(updates)


def acknowledge_many(
    conn: sqlite3.Connection,
    codec: Codec,
    answers: list[tuple[tuple[str, str], str | None, int | None]],
) -> None:
    """Record server answers on their rows: ((entity, id), error, version) each.

    An answer sets the row's error (None clears it) and raises its server_version
    to `version` when one is given; data, clear columns and the search index are
    untouched. Applied in order, so the last answer's error stands.
    """
    now = now_iso()
    conn.executemany(
        "UPDATE row SET error = ?, server_version = CASE WHEN ? IS NULL THEN server_version"
        " ELSE MAX(COALESCE(server_version, 0), ?) END, local_updated_at = ?"
        " WHERE entity = ? AND id = ?",
        [
            (
                codec.encode_text(_error_place(entity, row_id), error),
                version,
                version,
                now,
                entity,
                row_id,
            )
            for (entity, row_id), error, version in answers
        ],
    )


def apply_set(row: StoredRow, values: dict[str, Any]) -> None:
    """Overlay an op's `set` on a row, in place; `deleted` goes to its column."""
    for name, value in values.items():
        if name == "deleted":
            row.deleted = bool(value)
        else:
            row.data[name] = value


def pending_sets(
    conn: sqlite3.Connection, codec: Codec, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per row, the fields this device changed and the server has not acknowledged,
    latest value wins (only rows with pending ops appear; `keys` is read only when the
    outbox holds any).

    Looked up by key on `outbox_row`, so the cost follows the page, not the number
    of pending ops (ordering in SQL would make SQLite walk every pending op).
    """
    found: list[tuple[int, str, str, str, str | bytes]] = []
    if conn.execute("SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1").fetchone() is None:
        return {}  # the usual case of a large pull: it follows a push that emptied the outbox
    for entity, ids in _ids_by_entity(set(keys)).items():
        found.extend(
            conn.execute(
                'SELECT device_seq, op_id, entity, row_id, "set" FROM outbox'
                " WHERE entity = ? AND row_id IN (SELECT value FROM json_each(?))"
                " AND state = 'pending'",
                (entity, json.dumps(ids)),
            )
        )
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for _, op_id, entity, row_id, raw in sorted(found, key=lambda f: f[0]):
        merged.setdefault((entity, row_id), {}).update(codec.decode_set(op_id, raw))
    return merged


def pending_row_ids(conn: sqlite3.Connection, entity: str) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT row_id FROM outbox WHERE entity = ? AND state = 'pending'", (entity,)
        )
    }


def select(
    found: list[StoredRow],
    equals: dict[str, Any],
    order_by: str | None,
    descending: bool,
    limit: int | None,
) -> list[StoredRow]:
    """Filter on data equality, order (missing values last), then cut."""
    wanted = [r for r in found if all(r.data.get(k) == v for k, v in equals.items())]
    if order_by is not None:
        present = [r for r in wanted if r.data.get(order_by) is not None]
        absent = [r for r in wanted if r.data.get(order_by) is None]
        present.sort(key=lambda r: r.data[order_by], reverse=descending)
        wanted = present + absent
    return wanted if limit is None else wanted[:limit]


def public(row: StoredRow, pending: bool) -> LocalRow:
    return LocalRow(
        entity=row.entity,
        id=row.id,
        data=dict(row.data),
        server_version=row.server_version,
        deleted=row.deleted,
        pending=pending,
        error=row.error,
    )
