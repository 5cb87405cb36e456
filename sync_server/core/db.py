"""Engine creation, migrations and the global change counter."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from sync_server.core.settings import Settings
from sync_server.core.wal_checkpoint import REQUEST_AUTOCHECKPOINT_PAGES

MIGRATIONS_DIR = Path(__file__).parent.parent / "migrations"
VERSION_SEQUENCE = "record_version_seq"


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, echo=settings.echo_sql, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=settings.echo_sql, connect_args={"timeout": 10})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so writers can ask for
        # BEGIN IMMEDIATE (a deferred read that later writes may fail with
        # SQLITE_BUSY_SNAPSHOT in WAL mode instead of waiting).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        # FULL: a commit is on disk (the WAL fsynced) before the push is answered; the
        # phone then deletes the acknowledged ops, so a commit lost to a power cut
        # would lose them for good. NORMAL would only fsync at checkpoints.
        cur.execute("PRAGMA synchronous=FULL")
        # Checkpoints run in the server's background thread (wal_checkpoint.py).
        cur.execute(f"PRAGMA wal_autocheckpoint={REQUEST_AUTOCHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite database file of `engine` (None for PostgreSQL or in-memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else None
    engine = bind if bind is not None else session_or_engine
    return engine.dialect.name == "postgresql"  # type: ignore[union-attr]


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite).

    Call before the first statement of a write transaction; a no-op when one is
    already open or on PostgreSQL (row locks do the job there).
    """
    if session.in_transaction():
        return
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def alembic_config(engine: Engine) -> Config:
    config = alembic_config_dir()
    config.attributes["engine"] = engine
    return config


# pg_advisory_lock key of the migrations ("relais" in ASCII): several server
# instances started together migrate one after the other, never at once.
MIGRATION_LOCK_KEY = 0x72656C616973


def migrate(engine: Engine) -> str | None:
    """Bring the database schema to the latest revision (alembic upgrade head);
    returns the revision it found (None: an empty database).

    On PostgreSQL under an advisory lock held by the migrating connection: a second
    `migrate` waits, then finds the schema at head and does nothing."""
    if engine.dialect.name != "postgresql":
        found = schema_revision(engine)
        command.upgrade(alembic_config(engine), "head")
        return found
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            found = MigrationContext.configure(conn).get_current_revision()
            conn.commit()
            config = alembic_config(engine)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        finally:
            conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()
    return found


@functools.cache
def head_revision() -> str:
    """The newest migration this code ships."""
    head = ScriptDirectory.from_config(alembic_config_dir()).get_current_head()
    assert head is not None
    return head


def alembic_config_dir() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def database_epoch(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT epoch FROM sync_state WHERE id = 1")).scalar_one())


# After a restore, versions start again this far above the backup's: a version the
# lost life handed out (that phones still hold as their base) is then always below
# any the new life hands out, so the merge tells "this phone saw every change" from
# "a change came after what this phone saw" across the restore.
RESTORE_VERSION_JUMP = 2**40


def new_epoch(engine: Engine) -> str:
    """Start a new life of the database (after a restore): pull cursors issued
    before no longer match, their phones push again what they hold."""
    epoch = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(text("UPDATE sync_state SET epoch = :e WHERE id = 1"), {"e": epoch})
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    f"SELECT setval('{VERSION_SEQUENCE}', "
                    f"(SELECT last_value FROM {VERSION_SEQUENCE}) + :jump)"
                ),
                {"jump": RESTORE_VERSION_JUMP},
            )
        else:
            conn.execute(
                text("UPDATE sync_state SET version_counter = version_counter + :jump"),
                {"jump": RESTORE_VERSION_JUMP},
            )
    return epoch


def next_version(session: Session) -> int:
    """Next value of the global change counter, inside the caller's transaction.

    PostgreSQL: a sequence (never rolled back, gaps are fine: order is what matters).
    SQLite: a one-row counter updated in the write transaction; SQLite serialises
    writers, so versions commit in the order they are handed out.
    """
    if is_postgres(session):
        value = session.execute(text(f"SELECT nextval('{VERSION_SEQUENCE}')")).scalar_one()
    else:
        value = session.execute(
            text(
                "UPDATE sync_state SET version_counter = version_counter + 1 WHERE id = 1 "
                "RETURNING version_counter"
            )
        ).scalar_one()
    return int(value)


def current_txid(session: Session) -> int | None:
    """The 64-bit id of the writing transaction on PostgreSQL (None on SQLite)."""
    if not is_postgres(session):
        return None
    return int(session.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one())
