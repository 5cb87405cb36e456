"""Serving pulls (docs/architecture.md §3.7, §3.11) and purging old tombstones.

A cursor is a position (txid, version) in the order rows are served, wrapped as
urlsafe base64 of a small JSON so clients treat it as opaque. On SQLite txid is 0
and the position is just the version.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Select, Text, bindparam, cast, delete, literal_column, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.expression import ColumnClause
from sqlmodel import Session, col, select

from domain.sync import MAX_BIGINT, PROTOCOL, SCHEMA_VERSION, PullResponse, RowOut
from sync_server.core.db import begin_write, is_postgres
from sync_server.core.observability import PULL_ROWS
from sync_server.models import Conflict, Record, SyncState

# Every transaction with an id below the xmin of our snapshot has finished.
_SNAPSHOT_XMIN: ColumnClause[int] = literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
)


class CursorError(ValueError):
    """A cursor this server did not issue."""


@dataclass(frozen=True, order=True)
class Position:
    txid: int
    version: int


def encode_cursor(position: Position, epoch: str = "") -> str:
    payload: dict[str, object] = {"t": position.txid, "v": position.version}
    if epoch:
        payload["e"] = _epoch_tag(epoch)
    raw = json.dumps(payload, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _epoch_tag(epoch: str) -> str:
    # Short: it travels in every cursor; 8 hex digits tell two lives apart.
    return epoch.replace("-", "")[:8]


def decode_cursor(cursor: str | None) -> Position | None:
    return decode_cursor_epoch(cursor)[0]


def decode_cursor_epoch(cursor: str | None) -> tuple[Position | None, str | None]:
    """The cursor's position and the epoch tag it was issued in (None: a cursor
    from before epochs, taken as this life's)."""
    if not cursor:
        return None, None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        position = Position(int(payload["t"]), int(payload["v"]))
        epoch = payload.get("e")
        if epoch is not None and not isinstance(epoch, str):
            raise TypeError
    except (
        binascii.Error,
        ValueError,
        TypeError,
        KeyError,
        UnicodeDecodeError,
        AttributeError,
        OverflowError,
    ):
        # OverflowError: a number the JSON reads as infinite (1e400).
        raise CursorError("curseur de synchronisation illisible") from None
    # Both are BIGINT columns: a larger number would fail in the query, not here.
    if not (0 <= position.txid <= MAX_BIGINT and 0 <= position.version <= MAX_BIGINT):
        raise CursorError("curseur de synchronisation illisible")
    return position, epoch


_STATE = SyncState.__table__.c  # type: ignore[attr-defined]
_PURGE_FLOOR = sa_select(_STATE.purge_floor_txid, _STATE.purge_floor_version, _STATE.epoch).where(
    _STATE.id == 1
)
# PostgreSQL: no explicit sort for the rest of the pull's transaction. A page must
# walk `ix_record_cite_txid_version` in order and stop at its limit; when the
# table's statistics lag behind a large push (autovacuum analyses it up to a minute
# later), the planner rather read, cast and sorted every row of the cité: 17 ms a
# page of 1,000 at 5,000 rows, growing with the cité, instead of 2 ms. With sorts
# off, the ordered index walk is the plan whatever the statistics say. Set by the
# purge floor read, which PostgreSQL pages therefore always make (no round trip of
# its own).
_NO_SORT: ColumnClause[str] = literal_column("set_config('enable_sort', 'off', true)")
_PURGE_FLOOR_NO_SORT = _PURGE_FLOOR.add_columns(_NO_SORT)


def _purge_floor(session: Session, pg: bool) -> tuple[Position, str]:
    """The purge floor and the database's epoch."""
    floor = session.connection().execute(_PURGE_FLOOR_NO_SORT if pg else _PURGE_FLOOR).first()
    return (Position(0, 0), "") if floor is None else (Position(floor[0], floor[1]), floor[2])


@dataclass
class PullPage:
    """A page as read from the table; `rows` are (entity, id, version, deleted,
    data as the JSON text stored), so serving it never parses the data."""

    rows: list[tuple[str, str, int, bool, str]]
    cursor: str
    has_more: bool
    reset_required: bool = False
    restored: bool = False

    def to_response(self) -> PullResponse:
        rows = [
            # Trusted values straight from our own table: no per-row validation.
            RowOut.model_construct(
                entity=entity, id=row_id, version=version, deleted=deleted, data=orjson.loads(data)
            )
            for entity, row_id, version, deleted, data in self.rows
        ]
        return PullResponse(
            rows=rows,
            cursor=self.cursor,
            has_more=self.has_more,
            reset_required=self.reset_required,
            restored=self.restored,
        )

    def to_json(self) -> bytes:
        """The `PullResponse` JSON, each row's data spliced in as stored."""
        return orjson.dumps(
            {
                "protocol": PROTOCOL,
                "schema_version": SCHEMA_VERSION,
                "rows": [
                    {
                        "entity": entity,
                        "id": row_id,
                        "version": version,
                        "deleted": deleted,
                        "data": orjson.Fragment(data),
                    }
                    for entity, row_id, version, deleted, data in self.rows
                ],
                "cursor": self.cursor,
                "has_more": self.has_more,
                "reset_required": self.reset_required,
                "restored": self.restored,
            }
        )


def pull_rows(session: Session, *, cite_id: str, cursor: str | None, limit: int) -> PullResponse:
    """Rows of `cite_id` changed after `cursor`, in serving order, at most `limit`."""
    return pull_page(session, cite_id=cite_id, cursor=cursor, limit=limit).to_response()


@functools.cache
def _page_statement(pg: bool, after: bool) -> Select[Any]:
    """The page query, built once per database kind and cursor presence (parameters
    `cite_id`, `limit`, and `txid`, `version` after a cursor)."""
    # Only the served columns, as plain tuples, the data as its stored JSON text.
    t = Record.__table__.c  # type: ignore[attr-defined]
    stmt = sa_select(t.entity, t.id, t.version, t.deleted, cast(t.data, Text), t.txid).where(
        t.cite_id == bindparam("cite_id")
    )
    if pg:
        # A sequence alone is not enough on PostgreSQL: transaction A may take
        # version 10, B version 11, and B commit first; a reader that then moves
        # its cursor past 11 would never see A's row. So rows are served in
        # (txid, version) order and only from transactions below the snapshot's
        # xmin, which have all finished. A transaction still in flight has an id
        # >= xmin, and any transaction that gets an id later gets a larger one, so
        # nothing can ever commit behind the cursor: a late commit is simply
        # served on a later pull.
        stmt = stmt.where(t.txid < _SNAPSHOT_XMIN)
        if after:
            stmt = stmt.where(
                tuple_(t.txid, t.version) > tuple_(bindparam("txid"), bindparam("version"))
            )
        stmt = stmt.order_by(t.txid, t.version)
    else:
        # SQLite serialises writers and the counter row is updated inside the write
        # transaction, so versions become visible in order.
        if after:
            stmt = stmt.where(t.version > bindparam("version"))
        stmt = stmt.order_by(t.version)
    return stmt.limit(bindparam("limit"))


def pull_page(session: Session, *, cite_id: str, cursor: str | None, limit: int) -> PullPage:
    """`pull_rows` without decoding the rows' data (what the pull route serves)."""
    position, cursor_epoch = decode_cursor_epoch(cursor)
    pg = is_postgres(session)
    # On PostgreSQL the read also turns sorts off.
    floor, epoch = _purge_floor(session, pg)
    if cursor_epoch is not None and cursor_epoch != _epoch_tag(epoch):
        # The database was restored from a backup since this cursor was issued: what
        # the client pushed or pulled after that backup may be gone from here.
        return PullPage(rows=[], cursor="", has_more=False, reset_required=True, restored=True)
    if position is not None and position < floor:
        # Tombstones this client never saw are gone: it must start again from scratch.
        return PullPage(rows=[], cursor="", has_more=False, reset_required=True)

    stmt = _page_statement(pg, position is not None)
    params = {"cite_id": cite_id, "limit": limit + 1}
    if position is not None:
        params.update(txid=position.txid, version=position.version)
    records = list(session.connection().execute(stmt, params).all())
    has_more = len(records) > limit
    records = records[:limit]
    if records:
        last = records[-1]
        next_cursor = encode_cursor(Position(last.txid or 0, last.version), epoch)
    else:
        next_cursor = cursor or ""
    rows = [(r[0], r[1], r[2], r[3], r[4]) for r in records]
    PULL_ROWS.inc(len(rows))
    return PullPage(rows=rows, cursor=next_cursor, has_more=has_more)


def purge_tombstones(session: Session, *, older_than: dt.datetime) -> int:
    """Delete tombstones last changed before `older_than`; raise the purge floor.

    Any cursor below the newest purged position may have missed a deletion and
    gets `reset_required` from then on. The caller commits.
    """
    begin_write(session)
    doomed = session.exec(
        select(Record).where(col(Record.deleted).is_(True), col(Record.updated_at) < older_than)
    ).all()
    if not doomed:
        return 0
    top = max(Position(r.txid or 0, r.version) for r in doomed)
    state = session.exec(select(SyncState).where(SyncState.id == 1).with_for_update()).one()
    if top > Position(state.purge_floor_txid, state.purge_floor_version):
        state.purge_floor_txid, state.purge_floor_version = top.txid, top.version
        session.add(state)
    ids = [r.id for r in doomed]
    session.execute(delete(Conflict).where(col(Conflict.row_id).in_(ids)))
    session.execute(delete(Record).where(col(Record.id).in_(ids)))
    session.flush()
    return len(ids)
