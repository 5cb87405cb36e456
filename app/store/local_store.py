"""The phone's local store: one SQLite file, rows + outbox + meta.

Why stdlib `sqlite3` rather than SQLAlchemy: the schema is three small tables
whose rows are opaque (encoded) JSON, so an ORM would buy nothing but weight on
the phone; `sqlite3` ships with every Python that `flet build` packages, is the
fastest path, and gives exact control of transactions (`BEGIN IMMEDIATE`).

Concurrency: one `LocalStore` is shared by the UI thread and the sync thread.
Every public method holds one re-entrant lock; every write is one transaction,
so a row and its outbox op are always written together or not at all.

Encryption at rest: once a PIN is set (`setup_pin`), the store opens *locked*:
only non-personal counters are readable until `unlock(pin)`; `lock()` drops the
key and the in-memory search index. A file without a PIN (written by an older
build, or between the first login and the PIN screen) is read in the legacy
plaintext mode until `setup_pin` encrypts it in place.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.store import outbox, plain, rows, vault
from app.store.codec import PLAIN_META_KEYS, Codec
from app.store.crypto import PHONE_KDF, KdfParams, check_pin_format
from app.store.models import (
    DeviceSession,
    LocalRow,
    RowNotFound,
    StoreLocked,
    SyncStatus,
)
from app.store.pathway import person_pathway
from app.store.schema import migrate
from app.store.search import PersonIndex
from app.store.validation import checked_create, checked_update
from domain.entities import FieldsError, normalise_fields
from domain.hlc import Hlc, HlcClock, wall_ms
from domain.ids import uuid7
from domain.matching import MatchEvidence, candidates, forget_names, person_keys
from domain.pathway import Pathway
from domain.sync import Op, OpResult, ReferentialsOut, RowOut

PAGE_CACHE_KIB = 16 * 1024


class LocalStore:
    def __init__(self, path: str | Path, *, wall: Callable[[], int] = wall_ms) -> None:
        self._lock = threading.RLock()
        self.path = Path(path)
        # Autocommit mode: transactions are explicit, see `_tx`.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
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
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn.in_transaction:  # nested call inside an open transaction
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

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
            raw = self._meta("session")
        return DeviceSession(**raw) if raw else None

    def save_session(self, s: DeviceSession) -> None:
        with self._tx():
            self._set_meta("session", asdict(s))
            self._clock.node = s.device_id

    def clear_session(self) -> None:
        """Forget the token only: rows, outbox and the last known user stay."""
        with self._tx() as c:
            current = self.session()
            if current is not None:
                self._set_meta("last_user", current.user)
            c.execute("DELETE FROM meta WHERE key = 'session'")

    def last_user(self) -> dict[str, Any] | None:
        with self._lock:
            raw = self._meta("last_user")
        return dict(raw) if raw else None

    # -- edits --------------------------------------------------------------------------

    def _append_op(self, row: rows.StoredRow, values: dict[str, Any]) -> None:
        seq = int(self._meta("device_seq") or 0) + 1
        hlc = self._clock.now().encode()
        outbox.append(
            self._conn,
            self._c(),
            op_id=uuid7(),
            device_seq=seq,
            entity=row.entity,
            row_id=row.id,
            hlc=hlc,
            base_version=row.server_version,
            values=values,
        )
        self._set_meta("device_seq", seq)
        self._set_meta("hlc_last", hlc)

    def create(self, entity: str, values: dict[str, Any]) -> str:
        normalised = checked_create(entity, values)
        row_id = uuid7()
        with self._tx() as c:
            row = rows.StoredRow(entity, row_id, dict(normalised), None, False, None)
            rows.save(c, self._c(), self._index, row)
            self._append_op(row, normalised)
        return row_id

    def update(self, entity: str, row_id: str, changes: dict[str, Any]) -> None:
        normalised = checked_update(entity, changes)
        with self._tx() as c:
            row = rows.load(c, self._c(), entity, row_id)
            if row is None:
                raise RowNotFound(f"Fiche introuvable sur ce téléphone : {entity} {row_id}")
            changed = {
                k: v
                for k, v in normalised.items()
                if (row.deleted if k == "deleted" else row.data.get(k)) != v
            }
            if not changed:
                return
            rows.apply_set(row, changed)
            rows.save(c, self._c(), self._index, row)
            self._append_op(row, changed)

    def delete(self, entity: str, row_id: str) -> None:
        self.update(entity, row_id, {"deleted": True})

    # -- reads --------------------------------------------------------------------------

    def get(self, entity: str, row_id: str) -> LocalRow | None:
        with self._lock:
            row = rows.load(self._conn, self._c(), entity, row_id)
            if row is None:
                return None
            return rows.public(row, outbox.is_pending(self._conn, entity, row_id))

    def rows(
        self,
        entity: str,
        *,
        equals: dict[str, Any] | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        include_deleted: bool = False,
    ) -> list[LocalRow]:
        """Rows of one entity, filtered on data equality and ordered (missing values last).

        Filters and orders on fields kept in clear columns (`plain`: person ids, the
        order date, the review state) run in SQLite on an index and only the rows
        returned are decrypted; anything else is filtered after decoding.
        """
        equals = equals or {}
        where: dict[str, str] = {}
        for name, value in equals.items():
            column = plain.column_of(entity, name)
            if column is not None and isinstance(value, str):
                where[column] = value
        rest = {k: v for k, v in equals.items() if plain.column_of(entity, k) not in where}
        in_sql_order = order_by is not None and plain.column_of(entity, order_by) == "sort_key"
        with self._lock:
            if in_sql_order or where:
                found = rows.load_where(
                    self._conn,
                    self._c(),
                    entity,
                    where=where,
                    include_deleted=include_deleted,
                    order_desc=descending if in_sql_order else None,
                    limit=limit if in_sql_order and not rest else None,
                )
            else:
                found = rows.load_many(self._conn, self._c(), entity)
            pending = rows.pending_row_ids(self._conn, entity)
        if not include_deleted:
            found = [r for r in found if not r.deleted]
        if in_sql_order:
            found = [r for r in found if all(r.data.get(k) == v for k, v in rest.items())]
            wanted = found if limit is None else found[:limit]
        else:
            wanted = rows.select(found, rest, order_by, descending, limit)
        return [rows.public(r, r.id in pending) for r in wanted]

    def latest_contact_dates(self) -> dict[str, str]:
        """person id -> date of their latest live contact, read from the clear columns."""
        with self._lock:
            self._c()  # locked phones show nothing, not even dates
            return dict(
                self._conn.execute(
                    "SELECT link_id, MAX(sort_key) FROM row WHERE entity = 'contact'"
                    " AND deleted = 0 AND link_id IS NOT NULL AND sort_key IS NOT NULL"
                    " GROUP BY link_id"
                ).fetchall()
            )

    def search_persons(self, text: str, limit: int = 30) -> list[LocalRow]:
        with self._lock:
            codec = self._c()
            ids = self._index.find(text, limit)
            by_id = (
                {r.id: r for r in rows.load_many(self._conn, codec, "person", ids)} if ids else {}
            )
            pending = rows.pending_row_ids(self._conn, "person")
        return [rows.public(by_id[i], i in pending) for i in ids if i in by_id]

    def person_candidates(
        self, values: dict[str, Any], limit: int = 5, *, exclude_id: str | None = None
    ) -> list[tuple[LocalRow, MatchEvidence]]:
        """Known active persons who may be the one described by `values`, best first.

        `values` come from a form being typed: fields that do not validate yet are
        ignored instead of failing the lookup.
        """
        usable = {}
        for name, value in values.items():
            try:
                usable.update(normalise_fields("person", {name: value}))
            except FieldsError:
                continue
        new = person_keys(exclude_id or "", usable)
        with self._lock:
            codec = self._c()
            ids = self._index.candidates(new)
            known = rows.load_many(self._conn, codec, "person", ids) if ids else []
            pending = rows.pending_row_ids(self._conn, "person")
        by_id = {r.id: r for r in known}
        found = candidates(new, [person_keys(r.id, r.data) for r in known], limit)
        return [(rows.public(by_id[e.other_id], e.other_id in pending), e) for e in found]

    def pathway(self, person_id: str, *, today: dt.date | None = None) -> Pathway | None:
        """The person's pathway (their rows and those of persons merged into them)."""
        refs = self.referentials()
        names = {p.id: p.name for p in refs.partners} if refs else {}
        with self._lock:
            return person_pathway(
                self._conn, self._c(), person_id, partner_names=names, today=today
            )

    # -- drafts: what a form held when the app was closed -------------------------------

    def draft(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            value = self._meta(f"draft:{key}")
        return dict(value) if isinstance(value, dict) else None

    def save_draft(self, key: str, values: dict[str, Any]) -> None:
        with self._tx():
            self._set_meta(f"draft:{key}", values)

    def clear_draft(self, key: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM meta WHERE key = ?", (f"draft:{key}",))

    def is_pending(self, entity: str, row_id: str) -> bool:
        with self._lock:
            return outbox.is_pending(self._conn, entity, row_id)

    def sync_status(self) -> SyncStatus:
        with self._lock:
            pending = outbox.count_pending(self._conn)
            rejected = outbox.rejected(self._conn, self._c())
            last = self._meta("last_sync") or {}
        at = last.get("at")
        return SyncStatus(
            pending=pending,
            rejected=[(r.summary, r.reason) for r in rejected],
            last_sync_at=dt.datetime.fromisoformat(at) if at else None,
            last_error=last.get("error"),
        )

    def referentials(self) -> ReferentialsOut | None:
        with self._lock:
            raw = self._meta("referentials")
        return ReferentialsOut.model_validate(raw) if raw else None

    def save_referentials(self, r: ReferentialsOut) -> None:
        self._set_meta("referentials", r.model_dump(mode="json"))

    # -- used by the sync client ------------------------------------------------------------

    def pending_ops(self, limit: int) -> list[Op]:
        with self._lock:
            return outbox.pending(self._conn, self._c(), limit)

    def pending_batch(self, limit: int, after_seq: int | None = None) -> outbox.PendingBatch:
        """The oldest `limit` pending ops (after `after_seq`) as a push body."""
        with self._lock:
            return outbox.pending_batch(self._conn, self._c(), limit, after_seq)

    def apply_push_results(self, results: list[OpResult]) -> None:
        """Acked ops leave the outbox; rejected ops stay in it with their reason.

        An ack raises the row's server_version to the version our op produced; the
        pull that follows every push then brings the row's full server state.
        """
        with self._tx() as c:
            codec = self._c()
            targets = outbox.settle_many(c, codec, results)
            # Only the error and the version change: one UPDATE per answer, in
            # answer order, without decoding or re-encoding the row's data.
            rows.acknowledge_many(
                c,
                codec,
                [
                    (target, r.reason or "refusée par le serveur", None)
                    if r.outcome == "rejected"
                    else (target, None, r.version)
                    for r, target in zip(results, targets, strict=True)
                    if target is not None
                ],
            )

    def apply_pulled(self, pulled: list[RowOut]) -> None:
        """Store server rows, re-overlaying every field that still has a pending local op.

        Only the stored versions are read (a copy older than the one held is
        skipped): the held data is replaced whole and the held error is kept by the
        upsert itself, so nothing already stored is decoded.
        """
        with self._tx() as c:
            codec = self._c()
            keys: set[tuple[str, str]] = {(str(r.entity), r.id) for r in pulled}
            held = rows.versions_by_key(c, keys)
            pending = rows.pending_sets(c, codec, keys) if keys else {}
            out: dict[tuple[str, str], rows.StoredRow] = {}
            for r in pulled:
                key = (str(r.entity), r.id)
                mine = out.get(key)
                version = mine.server_version if mine is not None else held.get(key)
                if (version or 0) > r.version:
                    continue  # an older copy than the one we hold: replayed or late page
                overlay = pending.get(key)
                data = r.data
                if overlay or "deleted" in data:  # copied before being changed
                    data = {k: v for k, v in data.items() if k != "deleted"}
                row = rows.StoredRow(r.entity, r.id, data, r.version, r.deleted, None)
                if overlay:
                    rows.apply_set(row, overlay)
                out[key] = row
            rows.save_pulled(c, codec, self._index, list(out.values()))

    def apply_pull_page(self, pulled: list[RowOut], cursor: str | None) -> None:
        """Apply a page and move the cursor in the same transaction."""
        with self._tx():
            self.apply_pulled(pulled)
            self.set_cursor(cursor)

    def cursor(self) -> str | None:
        with self._lock:
            value = self._meta("pull_cursor")
        return str(value) if value is not None else None

    def set_cursor(self, c: str | None) -> None:
        self._set_meta("pull_cursor", c)

    def observe_hlc(self, remote: str) -> None:
        """Let the server's clock pull ours forward (never backwards)."""
        try:
            parsed = Hlc.parse(remote)
        except ValueError:
            return  # a garbled server clock must not block a sync
        with self._tx():
            self._set_meta("hlc_last", self._clock.observe(parsed).encode())

    def record_sync(self, *, ok: bool, error: str | None) -> None:
        with self._tx():
            last = dict(self._meta("last_sync") or {})
            now = rows.now_iso()
            last["attempt_at"] = now
            if ok:
                last["at"] = now
            last["error"] = None if ok else error
            self._set_meta("last_sync", last)
