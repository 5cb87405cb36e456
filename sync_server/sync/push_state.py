"""The batch's state for the bulk push: its rows, ledger entries and references, read
in one query per kind, then merged in memory (`push_bulk`) and written (`flush_state`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import String, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlmodel import Session

from domain.entities import REFERENCE_FIELDS, text_problem
from domain.field_stamps import expand_hlc, expand_version
from domain.hlc import HlcClock
from domain.sync import Op
from sync_server.core.db import is_postgres
from sync_server.models import AppUser, Device, ErasedRow, Partner, Record, SyncOp
from sync_server.sync.checks import clean_json

RECORD = Record.__table__  # type: ignore[attr-defined]
LEDGER = SyncOp.__table__  # type: ignore[attr-defined]
PARTNER = Partner.__table__  # type: ignore[attr-defined]
MEMBER = AppUser.__table__  # type: ignore[attr-defined]
ERASED = ErasedRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Pusher:
    """Who pushes and with which clock, read once per batch (an ORM attribute read
    costs ~1 µs, per op). `normalised`: every op's `set` is already as
    `normalise_fields` returns it (`domain.sync.normalised_push`)."""

    user_id: str
    cite_id: str
    device_id: str
    role: str
    clock: HlcClock
    now_ms: Callable[[], int]
    normalised: bool = False

    @classmethod
    def of(
        cls,
        user: AppUser,
        device: Device,
        clock: HlcClock,
        now_ms: Callable[[], int],
        normalised: bool = False,
    ) -> Pusher:
        return cls(user.id, user.cite_id, device.id, user.role, clock, now_ms, normalised)


@dataclass
class BatchRow:
    values: dict[str, Any]
    new: bool
    dirty: bool = False
    uniform: bool = False
    """Created by one op of this batch and untouched since: every field carries the
    row's own stamp and version, so its stored stamp maps are empty."""
    own: set[int] = field(default_factory=set)
    """Versions the pushing device produced on the row (it saw them): by this batch's
    ops, and once `ledger_read`, by its earlier pushes."""
    ledger_read: bool = False


@dataclass
class LedgerEntry:
    outcome: str
    version: int | None
    clock_flagged: bool
    in_db: bool


@dataclass
class BulkState:
    rows: dict[str, BatchRow] = field(default_factory=dict)
    ledger: dict[str, LedgerEntry] = field(default_factory=dict)
    ledger_writes: dict[str, dict[str, Any]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (entity, cite)
    partners: dict[str, str] = field(default_factory=dict)  # id -> cite
    members: dict[str, str] = field(default_factory=dict)  # user id -> cite

    # `checks.References`, from what `load_state` read and the batch's own rows.
    def row(self, row_id: str) -> tuple[str, str] | None:
        found = self.rows.get(row_id)
        if found is None:
            return self.refs.get(row_id)
        return found.values["entity"], found.values["cite_id"]

    def partner_cite(self, partner_id: str) -> str | None:
        return self.partners.get(partner_id)

    def member_cite(self, user_id: str) -> str | None:
        return self.members.get(user_id)


# Built once (statement construction is a good part of a small push's CPU). The id
# list is one parameter, a JSON array of text on both databases: an expanding IN
# list is re-rendered at every execution, and a PostgreSQL array parameter costs
# psycopg ~1 µs per element to adapt (a 500-id lookup: 1.3 ms as an array, 0.7 ms
# as JSON text, on the same PostgreSQL), where orjson writes the text in C. On PostgreSQL the
# text becomes an array (`= ANY`), so the primary key is probed once per id.
_JSON_IDS = select(func.json_each(bindparam("ids")).table_valued("value").c.value)
_PG_IDS = any_(
    func.array(
        select(
            func.jsonb_array_elements_text(cast(bindparam("ids", type_=String), JSONB))
        ).scalar_subquery()
    )
)


def _statements(pg: bool) -> dict[str, Any]:
    def among(column: Any) -> Any:
        return column == _PG_IDS if pg else column.in_(_JSON_IDS)

    rows = select(RECORD).where(among(RECORD.c.id)).order_by(RECORD.c.id)
    return {
        "rows": rows.with_for_update() if pg else rows,
        "ledger": select(
            LEDGER.c.op_id, LEDGER.c.outcome, LEDGER.c.version, LEDGER.c.clock_flagged
        ).where(among(LEDGER.c.op_id)),
        "refs": select(RECORD.c.id, RECORD.c.entity, RECORD.c.cite_id).where(among(RECORD.c.id)),
        "partners": select(PARTNER.c.id, PARTNER.c.cite_id).where(among(PARTNER.c.id)),
        "members": select(MEMBER.c.id, MEMBER.c.cite_id).where(among(MEMBER.c.id)),
        "erased": select(ERASED.c.row_id).where(among(ERASED.c.row_id)),
    }


_STATEMENTS = {pg: _statements(pg) for pg in (False, True)}


def _among(conn: Connection, stmt: Any, ids: Iterable[str]) -> Iterable[Any]:
    """Rows of `stmt` for the ids (sorted, so rows lock in one order); none asked, none read.

    The list is one parameter whatever its length: no bound-parameter limit applies."""
    wanted = _json_ids(sorted(set(ids)))
    if wanted is None:
        return []
    return conn.execute(stmt, {"ids": wanted})


def _json_ids(ids: list[str]) -> str | None:
    """`ids` as a JSON array, without those no database stores (NUL, a lone surrogate:
    an op's references are looked up before its values are validated); None if none
    is left."""
    out = clean_json(ids)
    if out is None:
        ids = [i for i in ids if text_problem(i) is None]
        out = orjson.dumps(ids).decode()
    return out if ids else None


def erased_among(session: Session, ids: Iterable[str]) -> set[str]:
    """Which of `ids` are erased rows (one statement, whatever the number of ids)."""
    pg = is_postgres(session)
    conn = session.connection()
    return {row_id for (row_id,) in _among(conn, _STATEMENTS[pg]["erased"], ids)}


def _ids(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def load_state(session: Session, ops: list[Op], pg: bool, pusher: Pusher) -> BulkState:
    """Lock the batch's rows (ordered by id: no deadlock between batches) and read them."""
    state = BulkState()
    conn = session.connection()
    stmt = _STATEMENTS[pg]
    for r in _among(conn, stmt["rows"], (op.row_id for op in ops)):
        values = dict(r._mapping)
        # Merged on whole maps; `push_bulk` compacts them again before they are written.
        values["field_hlc"] = expand_hlc(r.data, r.field_hlc, r.updated_hlc)
        values["field_version"] = expand_version(r.data, r.field_version, r.version)
        state.rows[r.id] = BatchRow(values, new=False)
    for op_id, outcome, version, flagged in _among(conn, stmt["ledger"], (op.op_id for op in ops)):
        state.ledger[op_id] = LedgerEntry(outcome, version, flagged, in_db=True)
    refs: set[str] = set()
    partners: set[str] = set()
    members: set[str] = set()
    for op in ops:
        for name in REFERENCE_FIELDS.get(op.entity, {}):
            value = op.set.get(name)
            if isinstance(value, str):
                refs.add(value)
        if op.entity == "orientation" and isinstance(op.set.get("partner_id"), str):
            partners.add(op.set["partner_id"])
        if op.entity == "contact" and isinstance(op.set.get("mediator_id"), str):
            members.add(op.set["mediator_id"])
        if op.entity == "event":
            partners.update(_ids(op.set.get("partner_ids")))
            members.update(_ids(op.set.get("mediator_ids")))
    # The pushing mediator is usually the contact's mediator: their cité is known.
    if pusher.user_id in members:
        members.discard(pusher.user_id)
        state.members[pusher.user_id] = pusher.cite_id
    state.refs.update({i: (e, c) for i, e, c in _among(conn, stmt["refs"], refs)})
    state.partners.update({k: c for k, c in _among(conn, stmt["partners"], partners)})
    state.members.update({k: c for k, c in _among(conn, stmt["members"], members)})
    return state
