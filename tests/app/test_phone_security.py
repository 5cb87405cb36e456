"""Encryption at rest on the phone: a lost phone's file leaks no name, phone or note."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.store import LocalStore, StoreLocked
from app.store.codec import _encode_row_data
from app.store.crypto import (
    CryptoError,
    DataCorrupted,
    WrongPin,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from app.store.schema import migrate
from app.store.vault import MAX_ATTEMPTS, PinLockedOut
from domain.sync import OpResult, ReferentialsOut, RowOut
from tests.factories import (
    FAST_KDF,
    TEST_PIN,
    make_local_contact,
    make_local_session,
    make_local_store,
    make_locked_store,
)

NAME = {"first_name": "Zébulon", "last_name": "Quintessence", "phone": "06 11 22 33 44"}
NOTE = "Cherche un CACES, rappeler mardi"
SECRETS = [
    "Zébulon",
    "Zebulon",
    "zebulon",
    "Quintessence",
    "quintessence",
    "QUINTESSENCE",
    "0611223344",
    "611223344",
    "06 11 22 33 44",
    "Cherche un CACES",
    "token-abc",
    "Nadia M.",
]


def _disk_bytes(db: Path) -> bytes:
    """Every file SQLite keeps for `db`: main file, -wal, -shm, -journal."""
    found = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    assert db in found
    return b"".join(p.read_bytes() for p in found)


def _leaks(db: Path) -> list[str]:
    raw = _disk_bytes(db)
    forms = [(s, enc) for s in SECRETS for enc in ("utf-8", "utf-16-le")]
    return sorted({s for s, enc in forms if s.encode(enc) in raw})


def _write_known_person(store: LocalStore) -> str:
    store.save_session(make_local_session())
    pid = store.create("person", dict(NAME))
    store.create("contact", make_local_contact(person_id=pid, note=NOTE))
    return pid


def test_known_name_is_nowhere_on_disk_in_any_wal_state(tmp_path: Path) -> None:
    db = tmp_path / "relais.sqlite3"
    store = make_locked_store(tmp_path)
    pid = _write_known_person(store)
    # A pulled copy, a server reason and a pending op all hold the same values.
    store.apply_pulled([RowOut(entity="person", id=pid, version=2, data=dict(NAME))])
    [op, *_] = store.pending_ops(10)
    store.apply_push_results(
        [OpResult(op_id=op.op_id, outcome="rejected", reason="doublon de Zébulon Quintessence")]
    )
    assert store.search_persons("zebul")[0].id == pid

    # 1. Open, not checkpointed: the WAL holds the fresh pages.
    assert (tmp_path / "relais.sqlite3-wal").stat().st_size > 0
    assert _leaks(db) == []
    # 2. Checkpointed into the main file.
    store._conn.execute("PRAGMA wal_checkpoint(FULL)")
    assert _leaks(db) == []
    # 3. Rewritten (old versions in free pages), then closed.
    store.update("person", pid, {"last_name": "Quintessence-Bis"})
    store.close()
    assert _leaks(db) == []
    # 4. Rollback-journal mode: the journal must not hold plaintext either.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    again = LocalStore(db)
    again._conn.execute("PRAGMA journal_mode = TRUNCATE")
    again.unlock(TEST_PIN)
    again.update("person", pid, {"first_name": "Zébulon"})
    assert _leaks(db) == []
    assert again.get("person", pid).data["last_name"] == "Quintessence-Bis"  # type: ignore[union-attr]
    again.close()


def test_plain_file_is_encrypted_in_place_at_first_pin(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    old = LocalStore(db)  # no PIN: the legacy plaintext mode of earlier builds
    pid = _write_known_person(old)
    old._write_session(make_local_session())  # those builds wrote the token before the PIN
    old.close()
    assert "Quintessence" in _leaks(db)  # the test can see a leak when there is one

    store = LocalStore(db)
    store.setup_pin(TEST_PIN, FAST_KDF)
    assert _leaks(db) == []
    store.close()
    assert _leaks(db) == []

    reopened = LocalStore(db)
    with pytest.raises(StoreLocked, match="verrouillée"):
        reopened.get("person", pid)
    reopened.unlock(TEST_PIN)
    assert reopened.get("person", pid).data["first_name"] == "Zébulon"  # type: ignore[union-attr]
    assert reopened.session() == make_local_session()
    assert [o.set.get("note") for o in reopened.pending_ops(10)] == [None, NOTE]
    assert [r.id for r in reopened.search_persons("06112")] == [pid]
    reopened.close()


def test_wrong_pin_fails_in_french_and_leaves_data_intact(tmp_path: Path) -> None:
    store = make_locked_store(tmp_path)
    pid = _write_known_person(store)
    store.close()
    store = LocalStore(tmp_path / "relais.sqlite3")
    assert store.locked and store.has_pin
    with pytest.raises(CryptoError, match=r"Code PIN incorrect\. Encore 9 essai"):
        store.unlock("999999")
    assert store.locked
    store.unlock(TEST_PIN)
    assert store.get("person", pid).data["last_name"] == "Quintessence"  # type: ignore[union-attr]
    assert store.pin_failures() == 0
    store.lock()
    with pytest.raises(StoreLocked):
        store.search_persons("zeb")
    store.close()


def test_attempts_are_delayed_then_blocked_without_wiping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr("app.store.vault.time.time", lambda: clock[0])
    store = make_locked_store(tmp_path)
    pid = store.create("person", dict(NAME))
    store.lock()
    for _ in range(5):
        with pytest.raises(CryptoError, match="incorrect"):
            store.unlock("000000")
    with pytest.raises(PinLockedOut, match="réessayez dans 31 s"):
        store.unlock(TEST_PIN)  # even the right PIN waits
    for _ in range(MAX_ATTEMPTS - 5):
        clock[0] += 10_000
        with pytest.raises(CryptoError):
            store.unlock("000000")
    clock[0] += 100_000
    with pytest.raises(PinLockedOut, match="effacées et l'application réinstallée"):
        store.unlock(TEST_PIN)
    assert store.pending_count() == 1 and (tmp_path / "relais.sqlite3").exists()
    store.wipe()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("relais.sqlite3")]
    assert pid


def test_change_pin_rewraps_the_key_only(tmp_path: Path) -> None:
    store = make_locked_store(tmp_path)
    pid = store.create("person", dict(NAME))
    before = store._conn.execute("SELECT data FROM row WHERE id = ?", (pid,)).fetchone()[0]
    with pytest.raises(CryptoError, match="au moins 6 chiffres"):
        store.change_pin(TEST_PIN, "123")
    store.change_pin(TEST_PIN, "13579135", FAST_KDF)
    after = store._conn.execute("SELECT data FROM row WHERE id = ?", (pid,)).fetchone()[0]
    assert before == after
    store.lock()
    with pytest.raises(CryptoError, match="incorrect"):
        store.unlock(TEST_PIN)
    store.unlock("13579135")
    assert store.get("person", pid) is not None
    store.close()


def test_wrapped_key_detects_wrong_pin() -> None:
    key = new_data_key()
    wrapped = wrap_data_key(key, "123456", FAST_KDF)
    assert unwrap_data_key(wrapped, "123456") == key
    with pytest.raises(WrongPin):
        unwrap_data_key(wrapped, "123457")
    with pytest.raises(CryptoError, match="chiffres"):
        wrap_data_key(key, "12a456", FAST_KDF)


def test_tampered_and_swapped_ciphertexts_are_detected(tmp_path: Path) -> None:
    store = make_locked_store(tmp_path)
    a = store.create("person", dict(NAME))
    b = store.create("person", {"first_name": "Anne", "last_name": "Autre"})
    conn = store._conn
    blob_a = conn.execute("SELECT data FROM row WHERE id = ?", (a,)).fetchone()[0]
    # Swap: A's ciphertext on B's row must not show A's name as B.
    conn.execute("UPDATE row SET data = ? WHERE id = ?", (blob_a, b))
    with pytest.raises(DataCorrupted, match="illisible ou modifiée"):
        store.get("person", b)
    # Tamper: one flipped bit in A's ciphertext.
    flipped = blob_a[:-1] + bytes([blob_a[-1] ^ 1])
    conn.execute("UPDATE row SET data = ? WHERE id = ?", (flipped, a))
    with pytest.raises(DataCorrupted):
        store.get("person", a)
    # Plaintext slipped into an encrypted file is refused too.
    conn.execute("UPDATE row SET data = ? WHERE id = ?", ('{"first_name":"X"}', a))
    with pytest.raises(DataCorrupted):
        store.get("person", a)
    store.close()


def test_search_index_is_rebuilt_from_encrypted_rows_at_unlock(tmp_path: Path) -> None:
    # Timings live in benchmarks/phone.py; this checks the rebuilt index is complete.
    store = make_locked_store(tmp_path)
    rows = [
        RowOut(
            entity="person",
            id=f"01900000-0000-7000-8000-{i:012d}",
            version=1,
            data={"first_name": f"Prénom{i}", "last_name": f"Nom{i}", "phone": f"06{i:08d}"},
        )
        for i in range(3_000)
    ]
    store.apply_pulled(rows)
    store.lock()
    assert store.locked
    store.unlock(TEST_PIN)
    found = store.search_persons("nom299")
    assert {r.data["last_name"] for r in found} >= {"Nom299", "Nom2990", "Nom2999"}
    assert [r.data["last_name"] for r in store.search_persons("0600002999")] == ["Nom2999"]
    store.close()


def test_v2_file_with_plaintext_search_table_is_scrubbed(tmp_path: Path) -> None:
    db = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn, target=2)
    pid = "01900000-0000-7000-8000-0000000000aa"
    conn.execute(
        "INSERT INTO row (entity, id, data, deleted, local_updated_at)"
        " VALUES ('person', ?, ?, 0, '2025-01-01')",
        (pid, _encode_row_data(dict(NAME))),
    )
    conn.execute(
        "INSERT INTO person_search VALUES (?, ' zebulon quintessence ', '0611223344', "
        "'quintessence zebulon', ' n:quintessence ', 1)",
        (pid,),
    )
    conn.close()
    assert "quintessence" in _leaks(db)

    store = LocalStore(db)  # upgrade to v3: the search table is dropped
    assert [r.id for r in store.search_persons("quint")] == [pid]
    store.setup_pin(TEST_PIN, FAST_KDF)
    store.close()
    assert _leaks(db) == []
    again = LocalStore(db)
    again.unlock(TEST_PIN)
    assert [r.id for r in again.search_persons("0611")] == [pid]
    again.close()


def test_lock_forgets_the_names_cached_for_search(tmp_path: Path) -> None:
    from domain import matching

    store = make_locked_store(tmp_path)
    store.apply_pulled(
        [RowOut(entity="person", id="01900000-0000-7000-8000-0000000000bb", version=1,
                data={"first_name": "Zébulon", "last_name": "Quintessence"})]
    )  # fmt: skip
    assert store.search_persons("quint")
    assert matching._fold.cache_info().currsize > 0
    store.lock()
    assert matching._fold.cache_info().currsize == 0
    assert matching._word_key.cache_info().currsize == 0
    store.close()


def test_the_token_received_before_the_pin_never_reaches_the_files(tmp_path: Path) -> None:
    """Signed in, PIN not chosen yet: the token is in memory only, then sealed."""
    db = tmp_path / "relais.sqlite3"
    store = make_local_store(tmp_path)
    session = make_local_session()
    store.save_session(session)
    store.save_referentials(
        ReferentialsOut(cite_id="c1", cite_name="Creil", qpvs=[], partners=[], members=[])
    )
    # The app would go on with the session while the PIN screen is shown.
    assert store.session() == session
    assert store.server_url() == session.server_url
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["relais.sqlite3", "relais.sqlite3-shm", "relais.sqlite3-wal"]
    token = session.token.encode()
    assert token not in _disk_bytes(db)
    # Neither killed mid-window (the files as they are now), nor after the PIN.
    store.setup_pin(TEST_PIN, FAST_KDF)
    assert token not in _disk_bytes(db)
    store.close()
    assert token not in _disk_bytes(db)

    reopened = LocalStore(db)
    reopened.unlock(TEST_PIN)
    assert reopened.session() == session
    assert reopened.server_url() == session.server_url
    reopened.close()


def test_a_phone_closed_before_choosing_its_pin_signs_in_again(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    store.save_session(make_local_session())
    store.close()
    assert LocalStore(tmp_path / "relais.sqlite3").session() is None
