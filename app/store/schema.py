"""The versioned local schema: `PRAGMA user_version` and ordered migration steps.

Step N brings a file from user_version N-1 to N, in one transaction with the
version bump, so a crash mid-upgrade leaves the previous version intact. Steps
are append-only: a released step is never edited, a new one is added.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Step = Callable[[sqlite3.Connection], None]


def _v1_base_tables(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE row (
            entity TEXT NOT NULL,
            id TEXT NOT NULL,
            data TEXT NOT NULL,
            server_version INTEGER NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            local_updated_at TEXT NOT NULL,
            error TEXT NULL,
            PRIMARY KEY (entity, id)
        )"""
    )
    conn.execute(
        """CREATE TABLE outbox (
            op_id TEXT PRIMARY KEY,
            device_seq INTEGER NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            row_id TEXT NOT NULL,
            hlc TEXT NOT NULL,
            base_version INTEGER NULL,
            "set" TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'acked', 'rejected')),
            outcome TEXT NULL,
            reason TEXT NULL
        )"""
    )
    conn.execute("CREATE INDEX outbox_state_seq ON outbox (state, device_seq)")
    conn.execute("CREATE INDEX outbox_row ON outbox (entity, row_id, state)")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _v2_person_search(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE person_search (
            id TEXT PRIMARY KEY,
            names TEXT NOT NULL,
            phone TEXT NOT NULL,
            sort_key TEXT NOT NULL,
            match_keys TEXT NOT NULL,
            active INTEGER NOT NULL
        )"""
    )
    conn.execute("CREATE INDEX person_search_active_sort ON person_search (active, sort_key)")
    # No backfill: v3 drops this table (it held names in clear).


def _v3_vault(conn: sqlite3.Connection) -> None:
    """Encryption at rest: the search index moves to memory, the wrapped key gets a home.

    `person_search` held folded names in clear: dropped. Its pages are zeroed
    (`secure_delete`) and the file is vacuumed when the PIN is set up
    (`vault.encrypt_existing`), which also encrypts the rows written before.
    """
    conn.execute("DROP TABLE IF EXISTS person_search")
    conn.execute(
        """CREATE TABLE vault (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            wrapped TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            last_failure_at REAL NULL
        )"""
    )


def _v4_plain_columns(conn: sqlite3.Connection) -> None:
    """Ids, order date and review state in clear, indexed (see `app.store.plain`).

    The data may already be encrypted and the key is not known while migrating:
    the columns are filled on the next unlock (`plain_backfilled` flag in `meta`).
    """
    for column in ("link_id", "sort_key", "state"):
        conn.execute(f"ALTER TABLE row ADD COLUMN {column} TEXT NULL")
    conn.execute("CREATE INDEX row_link ON row (entity, link_id)")
    conn.execute("CREATE INDEX row_sort ON row (entity, sort_key)")
    conn.execute("CREATE INDEX row_state ON row (entity, state)")
    if conn.execute("SELECT 1 FROM row LIMIT 1").fetchone() is None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('plain_backfilled', 'true')")


def _v5_drop_sort_index(conn: sqlite3.Connection) -> None:
    """`row_sort` served no query and made every pull slower as the file grew.

    Every ordered read sorts "missing values last" (`ORDER BY sort_key IS NULL, ...`,
    see `rows.load_where`), an expression the index cannot deliver: SQLite reads the
    entity through another index and sorts anyway (`EXPLAIN QUERY PLAN`). Meanwhile
    each pulled page inserted its rows at random places of the index (dates do not
    arrive in date order), so the pages a commit dirtied grew with the table: about
    a quarter of the pull's cost at 50,000 rows. The `sort_key` column stays.
    """
    conn.execute("DROP INDEX IF EXISTS row_sort")


def _v6_forget_acknowledged_ops(conn: sqlite3.Connection) -> None:
    """Acknowledged ops leave the outbox (`outbox.settle_many`): drop those kept so far.

    Each held a copy of the values it sent (names, notes) that nothing reads once
    the server has them, and that outlived the row itself: a person erased or
    anonymised on the server kept their name here. `secure_delete` zeroes them.
    """
    conn.execute("DELETE FROM outbox WHERE state = 'acked'")


def _v7_link_index_without_empty_links(conn: sqlite3.Connection) -> None:
    """`row_link` keeps only rows that name another row.

    Most rows name none: persons (`merged_into` is set on merged ones only), events,
    contacts met without a name. Each still cost an index entry at every write, about
    a fifth of writing a pulled page. Every read of the column asks `link_id = ?` or
    `link_id IS NOT NULL`, which SQLite serves from this partial index.
    """
    conn.execute("DROP INDEX IF EXISTS row_link")
    conn.execute("CREATE INDEX row_link ON row (entity, link_id) WHERE link_id IS NOT NULL")


def _v8_state_index_for_contacts_to_fix(conn: sqlite3.Connection) -> None:
    """`row_state` becomes `row_to_fix`: an entry only for contacts sent back for a fix.

    The phone looks a review state up for one purpose, the contacts a supervisor sent
    back (`state = 'to_fix'`, a handful). Every other contact still cost an entry at
    each write, about a fifth of writing a pulled page. SQLite uses a partial index
    only when the query names its value, so `rows.load_where` writes that one value
    as a literal (`plain.INDEXED_STATES`).
    """
    conn.execute("DROP INDEX IF EXISTS row_state")
    conn.execute("DROP INDEX IF EXISTS row_to_fix")
    conn.execute("CREATE INDEX row_to_fix ON row (entity) WHERE state = 'to_fix'")


def _v9_resync_unseen(conn: sqlite3.Connection) -> None:
    """`resync_unseen`: during a full pull from scratch (the server said
    `reset_required`), the rows held from the server that the pull has not brought
    yet. Kept in the file: a full pull cut by the network resumes at the next sync.
    What is still listed when it ends has left the server (a tombstone purged there,
    an erasure included) or the mediator's scope, and leaves the phone too."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS resync_unseen (entity TEXT NOT NULL, id TEXT NOT NULL,"
        " PRIMARY KEY (entity, id)) WITHOUT ROWID"
    )


MIGRATIONS: tuple[Step, ...] = (
    _v1_base_tables,
    _v2_person_search,
    _v3_vault,
    _v4_plain_columns,
    _v5_drop_sort_index,
    _v6_forget_acknowledged_ops,
    _v7_link_index_without_empty_links,
    _v8_state_index_for_contacts_to_fix,
    _v9_resync_unseen,
)
CURRENT_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, target: int = CURRENT_VERSION) -> int:
    """Upgrade `conn` (autocommit mode) to `target`; returns the version it started at."""
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    if start > CURRENT_VERSION:
        raise RuntimeError(
            "Ce fichier a été écrit par une version plus récente de l'application : "
            "mettez l'application à jour."
        )
    for version in range(start + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](conn)
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return int(start)
