"""The local store on real SQLite files: edits, reads, search, reopen, upgrade."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import InvalidValues, LocalStore
from app.store.codec import _encode_row_data
from app.store.schema import CURRENT_VERSION, migrate
from domain.hlc import Hlc
from domain.ids import uuid7
from domain.sync import OpResult, RowOut
from tests.factories import (
    TEST_PIN,
    make_local_contact,
    make_local_person,
    make_local_session,
    make_local_store,
    make_locked_store,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = make_local_store(tmp_path)
    yield s
    s.close()


def test_create_writes_row_and_pending_op(store: LocalStore) -> None:
    pid = store.create("person", make_local_person(birth_date="1990-05-02"))
    row = store.get("person", pid)
    assert row is not None and row.pending and row.server_version is None
    assert row.data["birth_date"] == "1990-05-02"
    [op] = store.pending_ops(10)
    assert op.row_id == pid and op.base_version is None and op.device_seq == 1
    assert op.set == {
        "first_name": "Aïcha",
        "last_name": "Benali",
        "gender": "f",
        "birth_date": "1990-05-02",
    }
    assert store.sync_status().pending == 1


def test_update_sends_only_changed_fields_and_delete_is_a_tombstone(store: LocalStore) -> None:
    pid = store.create("person", make_local_person())
    store.update("person", pid, {"first_name": "Aïcha", "phone": "06 12 34 56 78"})
    store.update("person", pid, {"phone": "06 12 34 56 78"})  # no change: no op
    store.delete("person", pid)
    ops = store.pending_ops(10)
    assert [o.set for o in ops[1:]] == [{"phone": "06 12 34 56 78"}, {"deleted": True}]
    assert [o.device_seq for o in ops] == [1, 2, 3]
    assert [o.hlc for o in ops] == sorted(o.hlc for o in ops)
    assert store.rows("person") == []
    assert store.rows("person", include_deleted=True)[0].deleted


def test_invalid_values_raise_before_anything_is_written(store: LocalStore) -> None:
    with pytest.raises(InvalidValues, match="Prénom"):
        store.create("person", {"last_name": "Benali"})
    with pytest.raises(InvalidValues, match="Canal"):
        store.create("contact", make_local_contact(channel=None))
    with pytest.raises(InvalidValues, match="« Téléphone »"):
        store.create("person", make_local_person(phone="not a phone"))
    with pytest.raises(InvalidValues, match="Champ inconnu : cite_id"):
        store.create("person", make_local_person(cite_id="x"))
    with pytest.raises(InvalidValues, match="vidé : Prénom"):
        store.update("person", store.create("person", make_local_person()), {"first_name": None})
    assert len(store.pending_ops(10)) == 1 and len(store.rows("person")) == 1


def test_rows_filter_order_limit(store: LocalStore) -> None:
    pid = store.create("person", make_local_person())
    for hour in (9, 11, 10):
        store.create(
            "contact",
            make_local_contact(person_id=pid, occurred_at=f"2025-03-14T{hour:02d}:00:00Z"),
        )
    store.create("contact", make_local_contact())
    found = store.rows(
        "contact", equals={"person_id": pid}, order_by="occurred_at", descending=True, limit=2
    )
    assert [r.data["occurred_at"][11:13] for r in found] == ["11", "10"]


def test_search_persons_folds_accents_case_and_phone(store: LocalStore) -> None:
    aicha = store.create("person", make_local_person(phone="+33 6 12 34 56 78"))
    karim = store.create("person", {"first_name": "Karim", "last_name": "BENALI"})
    gone = store.create("person", {"first_name": "Aïcha", "last_name": "Doublon"})
    store.update("person", gone, {"merged_into": aicha})
    store.delete("person", store.create("person", {"first_name": "Aichatou"}))
    assert [r.id for r in store.search_persons("aich")] == [aicha]
    assert {r.id for r in store.search_persons("benal")} == {aicha, karim}
    assert [r.id for r in store.search_persons("karim BÉNALI")] == [karim]
    assert [r.id for r in store.search_persons("06 12 34")] == [aicha]
    assert [r.id for r in store.search_persons("0612345678")] == [aicha]
    assert store.search_persons("   ") == []


def test_person_candidates_match_spelling_variants(store: LocalStore) -> None:
    known = store.create(
        "person", {"first_name": "Mohamed", "last_name": "Benali", "birth_date": "1990-01-15"}
    )
    store.create("person", {"first_name": "Julie", "last_name": "Martin"})
    age = 2025 - 1990
    found = store.person_candidates(
        {"first_name": "Mohammed", "last_name": "BENALI", "declared_age": age}
    )
    assert found[0][0].id == known
    assert "même nom" in found[0][1].reasons
    by_phone = store.create("person", {"first_name": "Sam", "phone": "06 11 22 33 44"})
    found = store.person_candidates({"first_name": "Samir", "phone": "+33611223344"})
    assert [r.id for r, _ in found] == [by_phone]
    assert store.person_candidates({"first_name": "Mohamed"}, exclude_id=known) == []


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    store = make_locked_store(tmp_path)
    pid = store.create("person", make_local_person())
    store.save_session(make_local_session())
    store.set_cursor("42")
    store.close()
    again = make_local_store(tmp_path)
    again.unlock(TEST_PIN)
    assert again.get("person", pid) is not None
    assert again.session() == make_local_session()
    assert again.cursor() == "42" and again.sync_status().pending == 1
    again.clear_session()
    assert again.session() is None and again.sync_status().pending == 1
    assert again.last_user() == make_local_session().user
    again.close()


def test_hlc_never_goes_backwards_across_reopen(tmp_path: Path) -> None:
    first = LocalStore(tmp_path / "r.sqlite3", wall=lambda: 2_000_000)
    first.create("person", make_local_person())
    first.observe_hlc(Hlc(3_000_000, 7, "server").encode())
    first.close()
    # The phone's clock jumped back an hour: the new op must still sort after.
    second = LocalStore(tmp_path / "r.sqlite3", wall=lambda: 1_000_000)
    second.create("person", make_local_person())
    a, b = second.pending_ops(10)
    assert Hlc.parse(b.hlc) > Hlc.parse(a.hlc) and Hlc.parse(b.hlc).ms == 3_000_000
    assert b.device_seq == 2
    second.close()


def test_upgrade_from_v1_keeps_rows_and_indexes_them(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=1)
    conn.execute(
        "INSERT INTO row (entity, id, data, server_version, deleted, local_updated_at)"
        " VALUES ('person', '01900000-0000-7000-8000-0000000000aa', ?, 3, 0, '2025-01-01')",
        (_encode_row_data({"first_name": "Aïcha", "last_name": "Benali"}),),
    )
    conn.close()
    store = LocalStore(path)
    [row] = store.search_persons("aicha")
    assert row.server_version == 3 and row.data["last_name"] == "Benali"
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION


def test_two_threads_share_one_store(store: LocalStore) -> None:
    import threading

    def burst() -> None:
        for _ in range(25):
            store.create("person", make_local_person())
            store.sync_status()

    workers = [threading.Thread(target=burst) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ops = store.pending_ops(100)
    assert [o.device_seq for o in ops] == list(range(1, 51))
    assert len({o.hlc for o in ops}) == 50


def test_pulled_page_keeps_local_error_and_the_newest_copy(store: LocalStore) -> None:
    pid = store.create("person", make_local_person())
    [op] = store.pending_ops(10)
    store.apply_push_results(
        [OpResult(op_id=op.op_id, outcome="rejected", reason="nom refusé", version=None)]
    )
    newer = RowOut(entity="person", id=pid, version=5, data=make_local_person(first_name="Zoé"))
    older = RowOut(entity="person", id=pid, version=2, data=make_local_person(first_name="Ana"))
    other = RowOut(entity="person", id=uuid7(), version=3, data=make_local_person())
    store.apply_pulled([newer, other, older])  # a late copy in the same page
    row = store.get("person", pid)
    assert row and row.server_version == 5 and row.data["first_name"] == "Zoé"
    assert row.error == "nom refusé"  # the server sends no error: the local one stays
    assert [r.id for r in store.search_persons("Zoé")] == [pid]
    store.apply_pulled([older])  # a late page
    assert store.get("person", pid).data["first_name"] == "Zoé"  # type: ignore[union-attr]


def test_a_late_copy_of_a_contact_changes_neither_its_data_nor_where_it_is_filed(
    store: LocalStore,
) -> None:
    """Contacts are not looked up before a page is written: the upsert keeps the newer copy."""
    ana, zoe = uuid7(), uuid7()
    cid = uuid7()

    def contact(version: int, person: str, at: str) -> RowOut:
        data = make_local_contact(person_id=person, occurred_at=at, note=f"copie {version}")
        return RowOut(entity="contact", id=cid, version=version, data=data)

    people = [
        RowOut(entity="person", id=p, version=1, data=make_local_person()) for p in (ana, zoe)
    ]
    held = contact(5, zoe, "2025-06-02T09:00:00+02:00")
    store.apply_pulled([*people, held])
    for late in (contact(2, ana, "2025-01-10T09:00:00+01:00"), held):
        store.apply_pulled([late])  # a late page, then the same page again
        row = store.get("contact", cid)
        assert row and row.server_version == 5 and row.data["note"] == "copie 5"
        assert store.latest_contact_dates() == {zoe: "2025-06-02T09:00:00+02:00"}
        assert (store.pathway(ana) or pytest.fail("no pathway")).contact_count == 0
        assert (store.pathway(zoe) or pytest.fail("no pathway")).contact_count == 1
    store.apply_pulled([contact(6, ana, "2025-07-01T09:00:00+02:00")])  # moved, newer
    assert store.latest_contact_dates() == {ana: "2025-07-01T09:00:00+02:00"}


def test_a_pulled_copy_fills_a_contact_the_server_has_not_yet_acknowledged(
    store: LocalStore,
) -> None:
    cid = store.create("contact", make_local_contact(note="sur le terrain"))
    store.apply_pulled(
        [RowOut(entity="contact", id=cid, version=1, data=make_local_contact(note="serveur"))]
    )
    row = store.get("contact", cid)
    # The op is still pending: its field overlays the server's copy, now stored.
    assert row and row.server_version == 1 and row.data["note"] == "sur le terrain"
