"""Many rows in few statements, below the ORM and SQLAlchemy's per-row parameter work.

SQLAlchemy's Core `insert(table), [dict, ...]` compiles once but still builds and
processes a parameter dict per row, then serialises every JSON column with the
stdlib; for a 500-op push that is most of the write time. Here the statement is
rendered once per table and dialect, each row becomes a tuple in one pass, JSON
columns go through `fast_json.dumps`, and the rows reach the driver with one
`executemany` (SQLite) or one `COPY ... FROM STDIN` (PostgreSQL). Values are stored exactly as the
ORM would read them back: JSON text, SQLAlchemy's SQLite datetime text, booleans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from sync_server.core.fast_json import dumps

Processor = Callable[[Any], Any] | None


class JsonText(str):
    """A JSON column's value already serialised, as `fast_json.dumps` writes it: sent
    as is (a push serialises each op's values once, to check their text)."""

    __slots__ = ()


def _json(value: Any) -> Any:
    if value is None or value.__class__ is JsonText:
        return value
    return dumps(value)


def _processor(column_type: Any, dialect: Dialect) -> Processor:
    if isinstance(column_type, JSON):
        return _json
    if dialect.name == "sqlite" and isinstance(column_type, DateTime | Boolean):
        # SQLAlchemy's own text form for SQLite (naive UTC text, 0/1): read back as before.
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None and isinstance(column_type, DateTime):
            return _last_value_memo(processor)
        return processor if processor is not None else None
    return None


def _last_value_memo(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A datetime processor that remembers its last answer: a batch's rows share one
    timestamp, and SQLAlchemy's text formatting costs ~2 µs per value. The pair is
    one tuple, replaced whole: requests in other threads share this processor."""
    memo: list[tuple[Any, Any]] = [(object(), None)]

    def process(value: Any) -> Any:
        seen, out = memo[0]
        if value is not seen:
            out = processor(value)
            memo[0] = (value, out)
        return out

    return process


def _cast(column_type: Any, dialect: Dialect) -> str:
    if dialect.name == "postgresql" and isinstance(column_type, JSON):
        return "::jsonb"
    return ""


class _Plan:
    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        self.columns = list(columns)
        cols = [table.c[name] for name in self.columns]
        self.processors = [_processor(c.type, dialect) for c in cols]
        self.pg = dialect.name == "postgresql"
        mark = "%s" if self.pg else "?"
        self.row_marks = "(" + ", ".join(mark + _cast(c.type, dialect) for c in cols) + ")"
        names = ", ".join(f'"{c.name}"' for c in cols)
        self.insert_head = f'INSERT INTO "{table.name}" ({names}) VALUES '
        self.table = table
        self.mark = mark
        self.dialect = dialect

    def tuples(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        # itemgetter reads every column in C; only the few processed ones (JSON,
        # datetimes) are touched in Python.
        names = self.columns
        get = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
        work = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        if not work:
            return [get(r) for r in rows]
        out: list[tuple[Any, ...]] = []
        for r in rows:
            values = list(get(r))
            for i, p in work:
                values[i] = p(values[i])
            out.append(tuple(values))  # the driver call wants tuples
        return out


# Below this many rows (a phone's usual push), PostgreSQL gets one INSERT sent for
# every row in one pipeline: COPY's start and end cost more round trips than it saves.
COPY_FROM_ROWS = 64

_plans: dict[tuple[str, tuple[str, ...], str], _Plan] = {}


def _plan(table: Table, columns: Sequence[str], dialect: Dialect) -> _Plan:
    key = (table.name, tuple(columns), dialect.name)
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = _Plan(table, columns, dialect)
    return plan


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (dicts with the same keys: the table's columns to write)."""
    if not rows:
        return
    conn = session.connection()
    plan = _plan(table, list(rows[0]), conn.dialect)
    values = plan.tuples(rows)
    if not plan.pg or len(values) < COPY_FROM_ROWS:
        conn.exec_driver_sql(plan.insert_head + plan.row_marks, values)
        return
    copy_rows(conn, table.name, plan.columns, values)


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> None:
    """`COPY table (columns) FROM STDIN` with `values` (PostgreSQL): the fastest bulk
    load it has, and it runs inside our transaction and SAVEPOINT like any statement
    (a duplicate key still fails the batch)."""
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table}" ({names}) FROM STDIN'
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql) as copy:
            for row in values:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as exc:
        # Seen by callers as the SQLAlchemy error any other statement would raise.
        raise DBAPIError.instance(sql, None, exc, conn.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


def update_many(session: Session, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE each row (dicts with the same keys) by its `key` column, one executemany."""
    if not rows:
        return
    conn = session.connection()
    columns = [c for c in rows[0] if c != key]
    plan = _plan(table, [*columns, key], conn.dialect)
    sets = ", ".join(f'"{c}" = {plan.mark}{_cast(table.c[c].type, conn.dialect)}' for c in columns)
    sql = f'UPDATE "{table.name}" SET {sets} WHERE "{key}" = {plan.mark}'
    conn.exec_driver_sql(sql, plan.tuples(rows))
