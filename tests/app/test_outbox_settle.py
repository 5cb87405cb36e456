"""Acknowledged ops leave the phone's outbox; rejected ones stay with their reason."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.store import LocalStore
from domain.sync import OpResult, RowOut
from tests.factories import make_local_contact, make_local_store

NAME = {"first_name": "Zébulon", "last_name": "Quintessence"}


def _outbox(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("SELECT op_id, state FROM outbox ORDER BY device_seq"))
    finally:
        conn.close()


def test_acked_ops_are_deleted_and_rejected_ones_kept(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    pid = store.create("person", dict(NAME))
    store.create("contact", make_local_contact(person_id=pid))
    store.update("person", pid, {"phone": "06 11 22 33 44"})
    person_op, contact_op, phone_op = store.pending_ops(10)
    store.apply_push_results(
        [
            OpResult(op_id=person_op.op_id, outcome="applied", version=3),
            OpResult(op_id=contact_op.op_id, outcome="rejected", reason="date impossible"),
            OpResult(op_id=phone_op.op_id, outcome="duplicate", version=4),
        ]
    )
    assert _outbox(tmp_path / "relais.sqlite3") == [(contact_op.op_id, "rejected")]
    status = store.sync_status()
    assert status.pending == 0
    assert [reason for _summary, reason in status.rejected] == ["date impossible"]
    assert store.get("person", pid).server_version == 4  # type: ignore[union-attr]
    store.close()


def test_an_erased_person_leaves_no_copy_in_the_outbox(tmp_path: Path) -> None:
    # Before, the acknowledged op kept the values it sent, past the server's erasure.
    path = tmp_path / "relais.sqlite3"
    store = make_local_store(tmp_path)  # no PIN: the values would be readable bytes
    pid = store.create("person", dict(NAME))
    [op] = store.pending_ops(10)
    store.apply_push_results([OpResult(op_id=op.op_id, outcome="applied", version=1)])
    erased = {"first_name": "Anonyme", "gender": "f", "erased": True}
    store.apply_pulled([RowOut(entity="person", id=pid, version=2, data=erased)])
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    raw = path.read_bytes()
    for secret in ("Zébulon", "Quintessence"):
        assert secret.encode() not in raw, secret


def test_upgrade_forgets_ops_acknowledged_before(tmp_path: Path) -> None:
    path = tmp_path / "relais.sqlite3"
    store = make_local_store(tmp_path)
    pid = store.create("person", dict(NAME))
    store.update("person", pid, {"phone": "06 11 22 33 44"})
    first, second = store.pending_ops(10)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    # As version 5 left an acknowledged op: marked, not deleted.
    conn.execute(
        "UPDATE outbox SET state = 'acked', outcome = 'applied' WHERE op_id = ?", (first.op_id,)
    )
    conn.execute("PRAGMA user_version = 5")
    conn.close()

    again = LocalStore(path)
    assert _outbox(path) == [(second.op_id, "pending")]
    assert [op.op_id for op in again.pending_ops(10)] == [second.op_id]
    again.close()
