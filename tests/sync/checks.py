"""Assertions shared by the sync tests: what a careful operator would check by hand."""

from __future__ import annotations

from collections import Counter
from typing import Any

from app.store import LocalStore
from benchmarks.common import written_ops
from sync_server.models import SyncOp
from tests.sync.conftest import Phone, ServerSnapshot

ENTITIES = ("event", "person", "contact", "orientation", "followup")


def server_data(snapshot: ServerSnapshot, row_id: str) -> dict[str, Any]:
    record = snapshot.records[row_id]
    return {k: v for k, v in record.data.items() if k != "deleted"}


def device_ledger(phone: Phone, snapshot: ServerSnapshot) -> list[SyncOp]:
    return [e for e in snapshot.ledger if e.device_id == phone.device_id]


def assert_ops_applied_once(phone: Phone, snapshot: ServerSnapshot) -> None:
    """Every op the phone wrote is in the ledger exactly once, not rejected, and gone from
    the phone's outbox (acknowledged)."""
    ops = written_ops(phone.path)
    counts = Counter(entry.op_id for entry in snapshot.ledger)
    by_id = {entry.op_id: entry for entry in snapshot.ledger}
    assert ops, "the phone wrote no op"
    for op in ops:
        assert counts[op["op_id"]] == 1, op
        assert op["state"] == "acked", op  # acknowledged: gone from the outbox
        assert by_id[op["op_id"]].outcome != "rejected", op
    assert phone.store.sync_status().pending == 0


def local_rows(store: LocalStore) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for entity in ENTITIES:
        for row in store.rows(entity, include_deleted=True):
            found[row.id] = dict(row.data)
    return found


def assert_phone_equals_server(phone: Phone, snapshot: ServerSnapshot) -> None:
    """After a sync, the phone holds exactly the server's rows of its cité, value for value."""
    mine = local_rows(phone.store)
    assert set(mine) == set(snapshot.records)
    for row_id, data in mine.items():
        assert data == server_data(snapshot, row_id), row_id
