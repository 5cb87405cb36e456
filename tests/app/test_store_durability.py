"""What the mediator saves waits for the flash; what the next sync would redo does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.store import LocalStore
from domain.sync import OpResult, PulledRow
from tests.factories import make_local_contact, make_local_person, make_local_store


def _synchronous_at_commit(store: LocalStore, action: Callable[[], object]) -> list[int]:
    """The connection's `synchronous` setting at each COMMIT `action` makes."""
    conn = store._conn
    at_commit: list[int] = []
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    level = int(conn.execute("PRAGMA synchronous").fetchone()[0])
    current = level
    # Replay the statements: each PRAGMA changes the level the next COMMIT runs with.
    for statement in statements:
        if statement.startswith("PRAGMA synchronous = "):
            current = {"NORMAL": 1, "FULL": 2}[statement.rsplit(" ", 1)[1]]
        elif statement == "COMMIT":
            at_commit.append(current)
    assert level == 2  # back to FULL after every sync-side transaction
    return at_commit


def test_saved_entries_commit_with_a_flash_sync(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    assert int(store._conn.execute("PRAGMA synchronous").fetchone()[0]) == 2  # FULL
    person = store.create("person", make_local_person())
    assert _synchronous_at_commit(
        store, lambda: store.create("contact", make_local_contact(person_id=person))
    ) == [2]
    assert _synchronous_at_commit(
        store, lambda: store.update("person", person, {"first_name": "Samia"})
    ) == [2]


def test_sync_side_writes_do_not_wait_for_the_flash(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    contact = store.create("contact", make_local_contact())
    op_id = store.pending_ops(1)[0].op_id
    acked = [OpResult(op_id=op_id, outcome="applied", version=3)]
    assert _synchronous_at_commit(store, lambda: store.apply_push_results(acked)) == [1]
    page = [PulledRow("contact", contact, 4, False, {**make_local_contact(), "need": "CV"})]
    assert _synchronous_at_commit(store, lambda: store.apply_pull_page(page, "4")) == [1]
    assert store.cursor() == "4" and store.sync_status().pending == 0
    # And the next entry is durable again.
    assert _synchronous_at_commit(store, lambda: store.create("person", make_local_person())) == [2]
