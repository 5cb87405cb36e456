"""The phone's local store: one SQLite file, its rows, outbox and meta.

Why stdlib `sqlite3` rather than SQLAlchemy: the schema is five small tables (`row`,
`outbox`, `meta`, `vault`, `resync_unseen`; see `app.store.schema`) whose values are
opaque (encoded) JSON or ids, so an ORM would buy nothing but weight on the phone;
`sqlite3` ships with every Python that `flet build` packages, is the fastest path,
and gives exact control of transactions (`BEGIN IMMEDIATE`).

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
from typing import Any

from app.store import outbox, plain, rows
from app.store.models import DeviceSession, LocalRow, RowNotFound, SyncStatus
from app.store.pathway import person_pathway
from app.store.sync_side import SyncSide
from app.store.validation import checked_create, checked_update
from domain.entities import (
    FIELD_MODELS,
    SUPERVISOR_ONLY_FIELDS,
    FieldsError,
    normalise_fields,
)
from domain.hlc import Hlc
from domain.ids import uuid7
from domain.matching import MatchEvidence, candidates, person_keys
from domain.pathway import Pathway
from domain.sync import ReferentialsOut


class LocalStore(SyncSide):
    """The store the app uses: sessions, edits (row + outbox op), reads, search,
    pathways, drafts; the connection, PIN and transactions are `StoreBase`'s, the
    sync client's side is `SyncSide`'s."""

    def save_session(self, s: DeviceSession) -> None:
        with self._lock:
            self._clock.node = s.device_id
            if not self.has_pin:
                # No key yet: written now, the token would sit in clear in the file and
                # its WAL until the PIN is chosen (or for good, if the app dies first).
                # Kept in memory; `setup_pin` writes it sealed.
                self._unsaved_session = s
                return
            self._write_session(s)

    def server_url(self) -> str | None:
        """The server this phone was enrolled on, None on a phone never enrolled."""
        with self._lock:
            if self._unsaved_session is not None:
                return self._unsaved_session.server_url
            url = self._meta("server_url")
            if url is None:  # enrolled before the address was kept apart from the session
                session = self._meta("session")
                url = session["server_url"] if session else None
        return str(url) if url else None

    def clear_session(self) -> None:
        """Forget the token only: rows, outbox and the last known user stay."""
        with self._tx() as c:
            self._unsaved_session = None
            current = self.session()
            if current is not None:
                self._set_meta("last_user", current.user)
            c.execute("DELETE FROM meta WHERE key = 'session'")

    def last_user(self) -> dict[str, Any] | None:
        with self._lock:
            raw = self._meta("last_user")
        return dict(raw) if raw else None

    # -- edits --------------------------------------------------------------------------

    def _append_op(
        self, row: rows.StoredRow, values: dict[str, Any], stamp: Hlc | None = None
    ) -> None:
        seq = int(self._meta("device_seq") or 0) + 1
        hlc = (stamp or self._clock.now()).encode()
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

    def update(self, entity: str, row_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Write the fields that differ from the stored row, with their op; returns
        them (empty: nothing changed, no op)."""
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
                return {}
            rows.apply_set(row, changed)
            rows.save(c, self._c(), self._index, row)
            self._append_op(row, changed)
        return changed

    def delete(self, entity: str, row_id: str) -> None:
        self.update(entity, row_id, {"deleted": True})

    def requeue_held_rows(self) -> int:
        """The server's database was restored from a backup (`restored`): what this
        phone pushed or pulled after that backup may be gone from it. Every row held
        from the server goes back to the outbox whole, as an op over the version this
        phone last had (the server's merge then takes it where nothing newer came,
        and opens a conflict, both values kept, where something did). Referenced rows
        first (a contact needs its person). The cursor is forgotten: once these are
        pushed, a pull from scratch brings every row as the server then has it.
        Returns how many ops were queued."""
        queued = 0
        with self._tx() as c:
            # Stamped when this phone last synced, when its copies were last current:
            # of two phones' copies of a row, the one synced later wins, and a change
            # made on the server since the restore wins over both.
            last_ok = (self._meta("last_sync") or {}).get("at")
            stamp = Hlc(_iso_ms(last_ok), 0, self._clock.node) if last_ok else self._clock.now()
            held = c.execute(
                "SELECT entity, id FROM row WHERE server_version IS NOT NULL"
            ).fetchall()
            order = {entity: i for i, entity in enumerate(FIELD_MODELS)}
            for entity, row_id in sorted(held, key=lambda k: (order.get(k[0], 99), k[1])):
                row = rows.load(c, self._c(), entity, row_id)
                if row is None or entity not in FIELD_MODELS:
                    continue
                writable = FIELD_MODELS[entity].model_fields.keys() - SUPERVISOR_ONLY_FIELDS.get(
                    entity, frozenset()
                )
                values = {k: v for k, v in row.data.items() if k in writable}
                if row.deleted:
                    values["deleted"] = True
                if values:
                    self._append_op(row, values, stamp)
                    queued += 1
            # In the same transaction: the next pull starts from scratch.
            self.set_cursor(None)
        return queued

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
            entries = outbox.pending_entries(self._conn) if pending else {}
            rejected = outbox.rejected(self._conn, self._c())
            last = self._meta("last_sync") or {}
        at = last.get("at")
        return SyncStatus(
            pending=pending,
            rejected=[(r.summary, r.reason) for r in rejected],
            rejected_op_ids=[r.op_id for r in rejected],
            last_sync_at=dt.datetime.fromisoformat(at) if at else None,
            last_error=last.get("error"),
            pending_entries=entries,
        )

    def referentials(self) -> ReferentialsOut | None:
        with self._lock:
            raw = self._meta("referentials")
        return ReferentialsOut.model_validate(raw) if raw else None

    def save_referentials(self, r: ReferentialsOut) -> None:
        self._set_meta("referentials", r.model_dump(mode="json"))


def _iso_ms(iso: str) -> int:
    """Milliseconds since the epoch of an ISO-8601 time (as `rows.now_iso` writes)."""
    return int(dt.datetime.fromisoformat(iso).timestamp() * 1000)
