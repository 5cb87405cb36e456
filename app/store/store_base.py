"""The store's foundation: the SQLite connection, the PIN and key, transactions, `meta`.

`LocalStore` (the public facade) builds on `SyncSide`, which builds on this.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.store import outbox, rows, vault
from app.store.codec import PLAIN_META_KEYS, Codec
from app.store.crypto import PHONE_KDF, KdfParams, check_pin_format
from app.store.models import DeviceSession, StoreLocked
from app.store.schema import migrate
from app.store.search import PersonIndex
from domain.hlc import Hlc, HlcClock, wall_ms
from domain.ids import uuid7
from domain.matching import forget_names

PAGE_CACHE_KIB = 16 * 1024


class StoreBase:
    def __init__(self, path: str | Path, *, wall: Callable[[], int] = wall_ms) -> None:
        self._lock = threading.RLock()
        self.path = Path(path)
        # Autocommit mode: transactions are explicit, see `_tx`.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        # FULL: what a mediator saved is on flash before the screen says so (a phone
        # that dies at once keeps it). Sync-side writes, which the next sync redoes
        # if lost, opt out per transaction (`_tx(durable=False)`).
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        # Deleted and overwritten cells are zeroed, not left in free pages.
        self._conn.execute("PRAGMA secure_delete = ON")
        # 16 MiB of page cache (SQLite's default is 2 MiB): the `row_link` index of
        # 50,000 contacts alone outgrows 2 MiB, and pulled pages insert at random
        # places of it (person ids), so each page re-read its leaves from the file.
        # Pages are cached as used (small stores stay small) and hold what the file
        # holds (encrypted data): nothing more readable than on disk.
        self._conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        migrate(self._conn)
        self._index = PersonIndex()
        self._codec: Codec | None = None
        self._unsaved_session: DeviceSession | None = None
        with self._tx():
            install_id = self._meta("install_id")
            if install_id is None:
                install_id = uuid7()
                self._set_meta("install_id", install_id)
            last = self._meta("hlc_last")
            # The persisted last HLC keeps the clock monotonic across restarts.
            self._clock = HlcClock(
                node=install_id, last=Hlc.parse(last) if last else None, wall=wall
            )
        if not self.has_pin:
            self._opened(Codec(None))

    def close(self) -> None:
        with self._lock:
            self._codec = None
            self._unsaved_session = None
            self._index.clear()
            forget_names()
            self._conn.close()

    # -- PIN and key ----------------------------------------------------------------------

    @property
    def has_pin(self) -> bool:
        with self._lock:
            return vault.load_wrapped(self._conn) is not None

    @property
    def locked(self) -> bool:
        return self._codec is None

    def _opened(self, codec: Codec) -> None:
        """Key available: rebuild the in-memory index, take the device id as HLC node."""
        self._codec = codec
        if self._meta("plain_backfilled") is not True:  # a file from before schema v4
            with self._tx() as c:
                rows.backfill_plain(c, codec)
                self._set_meta("plain_backfilled", True)
        self._index.clear()
        for row in rows.load_many(self._conn, codec, "person"):
            self._index.put(row.id, row.data, row.deleted)
        session = self.session()
        if session is not None:
            self._clock.node = session.device_id

    def setup_pin(self, pin: str, kdf: KdfParams = PHONE_KDF) -> None:
        """First PIN: encrypt everything already stored, then vacuum (see `vault`)."""
        check_pin_format(pin)
        with self._lock:
            self._opened(Codec(vault.encrypt_existing(self._conn, pin, kdf)))
            if self._unsaved_session is not None:
                self._write_session(self._unsaved_session)
                self._unsaved_session = None

    def unlock(self, pin: str) -> None:
        """Raises `CryptoError` (French message) on a wrong PIN; data is untouched."""
        with self._lock:
            self._opened(Codec(vault.unlock(self._conn, pin)))

    def lock(self) -> None:
        """Drop the key and the search index from memory (only once a PIN exists)."""
        with self._lock:
            if self.has_pin:
                self._codec = None
                self._index.clear()
                forget_names()

    def change_pin(self, old: str, new: str, kdf: KdfParams = PHONE_KDF) -> None:
        with self._lock:
            vault.change_pin(self._conn, old, new, kdf)

    def pin_failures(self) -> int:
        with self._lock:
            return vault.attempts(self._conn)[0]

    def pending_count(self) -> int:
        """Unsent ops, readable while locked (to warn before a wipe)."""
        with self._lock:
            return outbox.count_pending(self._conn)

    def wipe(self) -> None:
        """Close and delete the file with its WAL, shared memory and journal."""
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _c(self) -> Codec:
        codec = self._codec
        if codec is None:
            raise StoreLocked("Application verrouillée : saisissez votre code PIN.")
        return codec

    @contextmanager
    def _tx(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction. `durable=False` commits without waiting for the flash (WAL
        synchronous=NORMAL): only for writes a power cut may undo because the next
        sync redoes them (pulled pages with their cursor, acknowledgements)."""
        with self._lock:
            if self._conn.in_transaction:  # nested call inside an open transaction
                yield self._conn
                return
            if not durable:
                self._conn.execute("PRAGMA synchronous = NORMAL")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            finally:
                if not durable:
                    self._conn.execute("PRAGMA synchronous = FULL")

    def _meta_codec(self, key: str) -> Codec:
        return Codec(None) if key in PLAIN_META_KEYS else self._c()

    def _meta(self, key: str) -> Any:
        codec = self._meta_codec(key)
        found = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return codec.decode_meta(key, found[0]) if found else None

    def _set_meta(self, key: str, value: Any) -> None:
        codec = self._meta_codec(key)
        with self._tx() as c:
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, codec.encode_meta(key, value)),
            )

    # -- session ------------------------------------------------------------------------

    def session(self) -> DeviceSession | None:
        with self._lock:
            if self._unsaved_session is not None:
                return self._unsaved_session
            raw = self._meta("session")
        return DeviceSession(**raw) if raw else None

    def _write_session(self, s: DeviceSession) -> None:
        with self._tx():
            self._set_meta("session", asdict(s))
            # The server this phone is enrolled on outlives the session (a logout):
            # another server means enrolling again, never the same data pointed elsewhere.
            self._set_meta("server_url", s.server_url)
