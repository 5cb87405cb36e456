"""What the push's rows alone cost to write: a second floor, for the server's own schema.

`benchmarks.sync_phases` records every bulk statement a real push sends to the
driver (`Recorder`, a SQLAlchemy `before_cursor_execute` listener), then
`replay` sends the very same statements and values into a fresh migrated server
database, in the same transactions, with the server's own connection settings
(WAL, synchronous=FULL) — no parsing, no merge, no Python per row beyond the
driver. That time is the least this schema lets a push cost; the floor of the
issue (one two-column table, synchronous=NORMAL) knows neither the ledger nor the
indexes the pull and the merge need.

Two what-ifs, on the same statements: the record rows without their per-field
clock and version maps (what a leaner record would write at best), and the
tables without their secondary indexes (what the pull cursor, the person lookup
and the ledger lookups cost on writes). On PostgreSQL the large bulk inserts go
through COPY, which no cursor event sees: the recorder takes them where the
server sends them (`bulk_write.copy_rows`) and the replay sends them by COPY too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event

from benchmarks.common import server_db
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.sync import bulk_write

Statement = tuple[str, list[tuple[Any, ...]]]
_MAPS = ("field_hlc", "field_version")


@dataclass
class Recorder:
    """The bulk statements of each transaction, as the driver received them."""

    transactions: list[list[Statement]] = field(default_factory=list)
    _open: list[Statement] = field(default_factory=list)

    @contextmanager
    def on(self, engine: Engine) -> Iterator[Recorder]:
        def seen(_conn: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
            if many and sql.startswith(("INSERT", "UPDATE")):
                self._open.append((sql, list(params)))

        copy_rows = bulk_write.copy_rows

        def copied(
            conn: Connection, table: str, columns: Any, values: Any
        ) -> None:  # the same COPY, kept
            names = ", ".join(f'"{c}"' for c in columns)
            self._open.append((f'COPY "{table}" ({names}) FROM STDIN', list(values)))
            copy_rows(conn, table, columns, values)

        event.listen(engine, "before_cursor_execute", seen)
        bulk_write.copy_rows = copied
        try:
            yield self
        finally:
            bulk_write.copy_rows = copy_rows
            event.remove(engine, "before_cursor_execute", seen)

    def commit(self) -> None:
        """Close the transaction being recorded (call where the push commits)."""
        if self._open:
            self.transactions.append(self._open)
            self._open = []

    @property
    def rows(self) -> int:
        return sum(len(p) for tx in self.transactions for _sql, p in tx)


def _columns(sql: str) -> list[str]:
    return [c.strip().strip('"') for c in sql[sql.index("(") + 1 : sql.index(")")].split(",")]


def without_field_maps(sql: str, params: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The record rows with empty per-field maps (every other statement as is)."""
    if not sql.startswith(('INSERT INTO "record"', 'COPY "record"')):
        return params
    at = [i for i, name in enumerate(_columns(sql)) if name in _MAPS]
    return [tuple("{}" if i in at else v for i, v in enumerate(row)) for row in params]


def _as_is(_sql: str, params: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return params


def replay(
    transactions: list[list[Statement]],
    workdir: Path,
    *,
    db: str = "sqlite",
    rows: Callable[[str, list[tuple[Any, ...]]], list[tuple[Any, ...]]] = _as_is,
    drop_secondary_indexes: bool = False,
) -> float:
    """Seconds to send `transactions` again into a fresh migrated server database."""
    with server_db(db, workdir) as sdb:
        return replay_into(
            sdb.url, transactions, rows=rows, drop_secondary_indexes=drop_secondary_indexes
        )


# Indexes that back no constraint (primary key, unique): what the reads need.
_PG_SECONDARY = """
SELECT i.indexname FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename IN ('record', 'sync_op')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
"""
_SQLITE_SECONDARY = (
    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    " AND tbl_name IN ('record', 'sync_op')"
)


def replay_into(
    url: str,
    transactions: list[list[Statement]],
    *,
    rows: Callable[[str, list[tuple[Any, ...]]], list[tuple[Any, ...]]] = _as_is,
    drop_secondary_indexes: bool = False,
) -> float:
    """`replay` into the migrated server database at `url` (SQLite or PostgreSQL)."""
    engine = make_engine(Settings(database_url=url))
    raw = engine.raw_connection()  # the server's connection settings, set on connect
    pg = engine.dialect.name == "postgresql"
    try:
        conn: Any = raw.driver_connection
        assert conn is not None
        # The pushing user's rows are not copied: foreign keys are not checked.
        if pg:
            conn.execute("SET session_replication_role = replica")
        else:
            conn.execute("PRAGMA foreign_keys=OFF")
        if drop_secondary_indexes:
            for (name,) in conn.execute(_PG_SECONDARY if pg else _SQLITE_SECONDARY).fetchall():
                conn.execute(f'DROP INDEX "{name}"')
        if pg:
            conn.commit()
        batches = [[(sql, rows(sql, params)) for sql, params in tx] for tx in transactions]
        start = time.perf_counter()
        for tx in batches:
            (_send_pg if pg else _send_sqlite)(conn, tx)
        return time.perf_counter() - start
    finally:
        raw.close()
        engine.dispose()


def _send_sqlite(conn: Any, tx: list[Statement]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for sql, params in tx:
        conn.executemany(sql, params)
    conn.execute("COMMIT")


def _send_pg(conn: Any, tx: list[Statement]) -> None:
    with conn.cursor() as cur:
        for sql, params in tx:
            if sql.startswith("COPY"):
                with cur.copy(sql) as copy:
                    for row in params:
                        copy.write_row(row)
            else:
                cur.executemany(sql, params)
    conn.commit()


def replay_figures(
    transactions: list[list[Statement]], workdir: Path, db: str = "sqlite"
) -> dict[str, float]:
    """The push's writes replayed: as stored, and the two what-ifs."""
    return {
        "as_stored": replay(transactions, workdir, db=db),
        "without_field_maps": replay(transactions, workdir, db=db, rows=without_field_maps),
        "without_secondary_indexes": replay(
            transactions, workdir, db=db, drop_secondary_indexes=True
        ),
    }
