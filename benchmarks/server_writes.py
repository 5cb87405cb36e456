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
and the ledger lookups cost on writes). SQLite only: on PostgreSQL the bulk rows
go through COPY, which no cursor event sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from benchmarks.common import server_db
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings

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

        event.listen(engine, "before_cursor_execute", seen)
        try:
            yield self
        finally:
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
    if not sql.startswith('INSERT INTO "record"'):
        return params
    at = [i for i, name in enumerate(_columns(sql)) if name in _MAPS]
    return [tuple("{}" if i in at else v for i, v in enumerate(row)) for row in params]


def _as_is(_sql: str, params: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return params


def replay(
    transactions: list[list[Statement]],
    workdir: Path,
    *,
    rows: Callable[[str, list[tuple[Any, ...]]], list[tuple[Any, ...]]] = _as_is,
    drop_secondary_indexes: bool = False,
) -> float:
    """Seconds to send `transactions` again into a fresh migrated SQLite server database."""
    with server_db("sqlite", workdir) as sdb:
        return replay_into(
            sdb.url, transactions, rows=rows, drop_secondary_indexes=drop_secondary_indexes
        )


def replay_into(
    url: str,
    transactions: list[list[Statement]],
    *,
    rows: Callable[[str, list[tuple[Any, ...]]], list[tuple[Any, ...]]] = _as_is,
    drop_secondary_indexes: bool = False,
) -> float:
    """`replay` into the migrated SQLite server database at `url`."""
    engine = make_engine(Settings(database_url=url))
    raw = engine.raw_connection()  # the server's pragmas, set on connect
    try:
        conn = raw.driver_connection
        assert conn is not None
        conn.execute("PRAGMA foreign_keys=OFF")  # the pushing user's rows are not copied
        if drop_secondary_indexes:
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                " AND tbl_name IN ('record', 'sync_op')"
            ).fetchall():
                conn.execute(f'DROP INDEX "{name}"')
        batches = [[(sql, rows(sql, params)) for sql, params in tx] for tx in transactions]
        start = time.perf_counter()
        for tx in batches:
            conn.execute("BEGIN IMMEDIATE")
            for sql, params in tx:
                conn.executemany(sql, params)
            conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        raw.close()
        engine.dispose()


def replay_figures(transactions: list[list[Statement]], workdir: Path) -> dict[str, float]:
    """The push's writes replayed: as stored, and the two what-ifs."""
    return {
        "as_stored": replay(transactions, workdir),
        "without_field_maps": replay(transactions, workdir, rows=without_field_maps),
        "without_secondary_indexes": replay(transactions, workdir, drop_secondary_indexes=True),
    }
