"""What the sync client asks of the store: push bodies, answers, pulled pages, cursor."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Any, Literal, Protocol

from app.store import outbox, rows
from app.store.store_base import StoreBase
from domain.hlc import Hlc
from domain.sync import Op, OpResult

DropOutcome = Literal["removed", "restored_at_next_sync", "kept"]
"""What withdrawing a refused edit did to its row (`SyncSide.drop_rejected`)."""


def _refused_target(c: sqlite3.Connection, op_id: str) -> tuple[str, str] | None:
    """The (entity, row id) of the refused op `op_id`; None if no such op is refused."""
    found = c.execute(
        "SELECT entity, row_id FROM outbox WHERE op_id = ? AND state = 'rejected'", (op_id,)
    ).fetchone()
    return None if found is None else (found[0], found[1])


class Pulled(Protocol):
    """A pulled row: a `domain.sync.PulledRow` as the client reads pages, or a `RowOut`."""

    @property
    def entity(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def data(self) -> dict[str, Any]: ...


class SyncSide(StoreBase):
    def pending_ops(self, limit: int) -> list[Op]:
        with self._lock:
            return outbox.pending(self._conn, self._c(), limit)

    def pending_batch(self, limit: int, after_seq: int | None = None) -> outbox.PendingBatch:
        """The oldest `limit` pending ops (after `after_seq`) as a push body."""
        with self._lock:
            return outbox.pending_batch(self._conn, self._c(), limit, after_seq)

    def apply_push_results(self, results: list[OpResult], erased: Collection[str] = ()) -> None:
        """Acked ops leave the outbox; rejected ops stay in it with their reason.

        `erased`: refused ops that write or name a person erased on the server (RGPD):
        their rows leave the phone, with every other edit of them, and the refused op
        stays listed with its reason but with its values gone (field names only).

        An ack raises the row's server_version to the version our op produced; the
        pull that follows every push then brings the row's full server state. Not
        waited for on flash: undone by a power cut, the ops are sent again and the
        server answers `duplicate`.
        """
        with self._tx(durable=False) as c:
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
            if erased:
                self._forget_erased(
                    c,
                    [
                        (r.op_id, target)
                        for r, target in zip(results, targets, strict=True)
                        if target is not None and r.outcome == "rejected" and r.op_id in erased
                    ],
                )

    def _forget_erased(
        self, c: sqlite3.Connection, refused: list[tuple[str, tuple[str, str]]]
    ) -> None:
        if not refused:
            return
        codec = self._c()
        kept = {op_id for op_id, _ in refused}
        keys = sorted({target for _, target in refused})
        for op_id, _ in refused:
            (stored,) = c.execute('SELECT "set" FROM outbox WHERE op_id = ?', (op_id,)).fetchone()
            names = dict.fromkeys(codec.decode_set(op_id, stored))
            c.execute(
                'UPDATE outbox SET "set" = ? WHERE op_id = ?',
                (codec.encode_set(op_id, names), op_id),
            )
        for entity, row_id in keys:
            others = [
                found[0]
                for found in c.execute(
                    "SELECT op_id FROM outbox WHERE entity = ? AND row_id = ?", (entity, row_id)
                )
                if found[0] not in kept
            ]
            c.executemany("DELETE FROM outbox WHERE op_id = ?", [(o,) for o in others])
        self._remove_rows(c, keys)

    def apply_pulled(self, pulled: Sequence[Pulled]) -> None:
        """Store server rows, re-overlaying every field that still has a pending local op.

        A copy older than the one held is skipped, by the upsert itself; the held
        data is replaced whole and the held error kept, so nothing stored is read
        back or decoded. Only for persons, whose copy also feeds the in-memory search
        index, are the held versions read first, to skip the same copies here.
        """
        with self._tx() as c:
            codec = self._c()
            if c.execute("SELECT 1 FROM resync_unseen LIMIT 1").fetchone():
                # A full pull from scratch: every row of the page, written or not, is seen.
                c.executemany(
                    "DELETE FROM resync_unseen WHERE entity = ? AND id = ?",
                    [(r.entity, r.id) for r in pulled],
                )
            held = rows.versions_by_key(
                c, {(r.entity, r.id) for r in pulled if r.entity == "person"}
            )
            pending = rows.pending_sets(c, codec, ((r.entity, r.id) for r in pulled))
            out: list[rows.StoredRow] = []
            for r in pulled:
                key = (r.entity, r.id)
                if r.entity == "person":
                    if (held.get(key) or 0) > r.version:
                        continue  # an older copy than the one we hold: replayed or late page
                    held[key] = r.version
                overlay = pending.get(key)
                data = r.data
                if overlay or "deleted" in data:  # copied before being changed
                    data = {k: v for k, v in data.items() if k != "deleted"}
                row = rows.StoredRow(r.entity, r.id, data, r.version, r.deleted, None)
                if overlay:
                    rows.apply_set(row, overlay)
                out.append(row)
            rows.save_pulled(c, codec, self._index, out)

    def apply_pull_page(self, pulled: Sequence[Pulled], cursor: str | None) -> None:
        """Apply a page and move the cursor in the same transaction (not waited for on
        flash: a page a power cut undoes is pulled again from the cursor kept with it)."""
        with self._tx(durable=False):
            self.apply_pulled(pulled)
            self.set_cursor(cursor)

    def begin_resync(self) -> None:
        """The server asks for a full pull from scratch (`reset_required`: tombstones
        this phone never pulled were purged there). Forget the cursor and list every
        row held from the server; the pull brings back those it still has, and
        `finish_resync` removes the others. The outbox and local-only rows stay."""
        with self._tx() as c:
            c.execute("DELETE FROM resync_unseen")
            c.execute(
                "INSERT INTO resync_unseen (entity, id)"
                " SELECT entity, id FROM row WHERE server_version IS NOT NULL"
            )
            self.set_cursor(None)

    def finish_resync(self) -> int:
        """At the end of a pull: remove the rows a full pull from scratch did not bring
        (gone from the server: a purged tombstone, an erased person, another cité's
        rows), except those with an edit still to push. Returns how many; 0 and
        nothing written when no full pull is under way."""
        with self._lock:
            if not self._conn.execute("SELECT 1 FROM resync_unseen LIMIT 1").fetchone():
                return 0
        with self._tx() as c:
            gone = c.execute(
                "SELECT u.entity, u.id FROM resync_unseen u WHERE NOT EXISTS"
                " (SELECT 1 FROM outbox o WHERE o.entity = u.entity AND o.row_id = u.id"
                " AND o.state = 'pending')"
            ).fetchall()
            self._remove_rows(c, gone)
            # Their refused ops too: nothing is left to correct.
            c.executemany("DELETE FROM outbox WHERE entity = ? AND row_id = ?", gone)
            c.execute("DELETE FROM resync_unseen")
        return len(gone)

    def retry_rejected(self, op_id: str) -> bool:
        """« Renvoyer »: an edit the server refused goes back to the outbox as pending
        (the server evaluates a refused op again: its reference may exist by now, the
        server may have been upgraded). Its place in the order is its own. False: no
        such refused op."""
        with self._tx() as c:
            found = _refused_target(c, op_id)
            if found is None:
                return False
            c.execute(
                "UPDATE outbox SET state = 'pending', outcome = NULL, reason = NULL"
                " WHERE op_id = ?",
                (op_id,),
            )
            c.execute("UPDATE row SET error = NULL WHERE entity = ? AND id = ?", found)
        return True

    def drop_rejected(self, op_id: str) -> DropOutcome | None:
        """The mediator withdraws an edit the server refused (« Retirer »). A row the
        server never had leaves the phone with it, unless another edit of it waits.
        A row the server has holds the refused values mixed into its copy: the next
        sync pulls everything again (`begin_resync`), which gives it back the server's
        values with the edits still to push laid over. None: no such refused op."""
        with self._tx() as c:
            found = _refused_target(c, op_id)
            if found is None:
                return None
            c.execute("DELETE FROM outbox WHERE op_id = ?", (op_id,))
            held = c.execute(
                "SELECT server_version FROM row WHERE entity = ? AND id = ?", found
            ).fetchone()
            others = c.execute(
                "SELECT 1 FROM outbox WHERE entity = ? AND row_id = ? LIMIT 1", found
            ).fetchone()
            if held is not None and held[0] is not None:
                self.begin_resync()
                return "restored_at_next_sync"
            if held is None or others is not None:
                return "kept"
            self._remove_rows(c, [found])
        return "removed"

    def _remove_rows(self, c: sqlite3.Connection, keys: list[tuple[str, str]]) -> None:
        """Delete local rows outright (gone from the server, or never on it), and
        the persons among them from the search index."""
        c.executemany("DELETE FROM row WHERE entity = ? AND id = ?", keys)
        for entity, row_id in keys:
            if entity == "person":
                self._index.put(row_id, {}, True)

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
        # Lost to a power cut, the clock is pulled forward again by the next sync.
        with self._tx(durable=False):
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
