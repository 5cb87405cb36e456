"""Clear id/date/state columns: indexed reads without decrypting, and the upgrade
of an encrypted file written before they existed (schema v3 -> v4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.store import LocalStore
from app.store.schema import CURRENT_VERSION
from domain.ids import uuid7
from domain.sync import RowOut
from tests.factories import (
    TEST_PIN,
    make_local_contact,
    make_local_person,
    make_locked_store,
)


def _pulled(entity: str, data: dict[str, object]) -> RowOut:
    return RowOut(entity=entity, id=uuid7(), version=1, data=data)  # type: ignore[arg-type]


def _phone_with_history(tmp_path: Path) -> tuple[LocalStore, str, str]:
    store = make_locked_store(tmp_path)
    person = _pulled("person", make_local_person(last_name="Quintessence"))
    other = _pulled("person", make_local_person(first_name="Aisha", merged_into=person.id))
    store.apply_pulled([person, other])
    for day in range(1, 6):
        store.create(
            "contact",
            make_local_contact(person_id=person.id, occurred_at=f"2025-03-0{day}T10:00:00+00:00"),
        )
    store.create("contact", make_local_contact(person_id=other.id))
    store.create("contact", make_local_contact(person_id=uuid7()))  # someone else
    store.apply_pulled(
        [_pulled("contact", make_local_contact(person_id=person.id, review_state="to_fix"))]
    )
    return store, person.id, other.id


def _as_written_by_v3(path: Path) -> None:
    """Turn a v4 file back into what v3 wrote: no clear columns, no backfill flag."""
    conn = sqlite3.connect(path, isolation_level=None)
    # row_sort: gone since v5; row_state: row_to_fix since v8
    for index in ("row_link", "row_sort", "row_state", "row_to_fix"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    for column in ("link_id", "sort_key", "state"):
        conn.execute(f"ALTER TABLE row DROP COLUMN {column}")
    conn.execute("DELETE FROM meta WHERE key = 'plain_backfilled'")
    conn.execute("PRAGMA user_version = 3")
    conn.close()


def _downgrade(path: Path, version: int, *statements: str) -> None:
    """Turn a current file back into what schema `version` wrote."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_indexed_reads_match_what_the_data_says(tmp_path: Path) -> None:
    store, person_id, _ = _phone_with_history(tmp_path)
    latest = store.rows("contact", order_by="occurred_at", descending=True, limit=3)
    dates = [r.data["occurred_at"] for r in latest]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    mine = store.rows("contact", equals={"person_id": person_id})
    assert len(mine) == 6 and {r.data["person_id"] for r in mine} == {person_id}
    to_fix = store.rows("contact", equals={"review_state": "to_fix"})
    assert [r.data["person_id"] for r in to_fix] == [person_id]
    assert store.latest_contact_dates()[person_id] == max(str(r.data["occurred_at"]) for r in mine)
    pathway = store.pathway(person_id)
    assert pathway is not None and pathway.contact_count == 7  # with the merged person's
    store.close()


def test_encrypted_v3_file_is_upgraded_and_filled_at_unlock(tmp_path: Path) -> None:
    store, person_id, _ = _phone_with_history(tmp_path)
    before = store.pathway(person_id)
    store.close()
    path = tmp_path / "relais.sqlite3"
    _as_written_by_v3(path)

    again = LocalStore(path)  # migrates to v4 while locked: columns empty for now
    assert again.locked
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert conn.execute("SELECT COUNT(*) FROM row WHERE link_id IS NOT NULL").fetchone()[0] == 0
    again.unlock(TEST_PIN)
    assert conn.execute("SELECT COUNT(*) FROM row WHERE link_id IS NOT NULL").fetchone()[0] == 9
    conn.close()
    after = again.pathway(person_id)
    assert after == before
    assert len(again.rows("contact", equals={"review_state": "to_fix"})) == 1
    again.close()
    assert b"Quintessence" not in path.read_bytes()


def test_v5_drops_the_sort_index_and_ordered_reads_do_not_need_it(tmp_path: Path) -> None:
    store, _, _ = _phone_with_history(tmp_path)
    store.close()
    path = tmp_path / "relais.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE INDEX row_sort ON row (entity, sort_key)")  # as v4 left it
    conn.execute("PRAGMA user_version = 4")
    conn.close()

    again = LocalStore(path)
    conn = sqlite3.connect(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "row_sort" not in indexes and {"row_link", "row_to_fix"} <= indexes
    conn.close()
    again.unlock(TEST_PIN)
    latest = again.rows("contact", order_by="occurred_at", descending=True, limit=3)
    dates = [r.data["occurred_at"] for r in latest]
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    again.close()


def test_v7_indexes_only_rows_that_name_another_and_reads_still_use_it(tmp_path: Path) -> None:
    store, person_id, other_id = _phone_with_history(tmp_path)
    before = store.pathway(person_id)
    store.close()
    path = tmp_path / "relais.sqlite3"
    # As v4 to v6 left it.
    _downgrade(path, 6, "DROP INDEX row_link", "CREATE INDEX row_link ON row (entity, link_id)")

    again = LocalStore(path)
    again.unlock(TEST_PIN)
    conn = sqlite3.connect(path)
    # An entry only for rows naming another: 8 contacts and the merged person.
    [sql] = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'row_link'").fetchone()
    assert sql.endswith("WHERE link_id IS NOT NULL")
    assert conn.execute("SELECT COUNT(*) FROM row WHERE link_id IS NOT NULL").fetchone()[0] == 9
    for sql in (
        "SELECT id FROM row WHERE entity = 'contact' AND link_id = 'x'",
        "SELECT id FROM row WHERE entity = 'person' AND link_id IS NOT NULL",
    ):
        plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING INDEX row_link" in plan, plan
    conn.close()
    assert again.pathway(person_id) == before
    assert len(again.rows("contact", equals={"person_id": other_id})) == 1
    again.close()


def test_v8_indexes_only_contacts_to_fix_and_their_lookup_uses_it(tmp_path: Path) -> None:
    store, person_id, _ = _phone_with_history(tmp_path)
    store.close()
    path = tmp_path / "relais.sqlite3"
    # As v4 to v7 left it.
    _downgrade(path, 7, "DROP INDEX row_to_fix", "CREATE INDEX row_state ON row (entity, state)")

    again = LocalStore(path)
    again.unlock(TEST_PIN)
    to_fix = again.rows("contact", equals={"review_state": "to_fix"})
    assert [r.data["person_id"] for r in to_fix] == [person_id]
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "row_state" not in names and "row_to_fix" in names
    sql = "SELECT id FROM row WHERE entity = 'contact' AND state = 'to_fix' AND deleted = 0"
    plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "USING INDEX row_to_fix" in plan, plan
    conn.close()
    again.close()
