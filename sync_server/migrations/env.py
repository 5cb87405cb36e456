"""Alembic environment: the app's SQLModel metadata, the database of `Settings`.

`sync_server.core.db.migrate` passes its engine in `config.attributes["engine"]` (or,
on PostgreSQL, the connection holding the migration lock in `["connection"]`);
the alembic CLI falls back to `Settings()` (RELAIS_DATABASE_URL).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from sync_server import models  # noqa: F401  (registers the tables)
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


def run_migrations_online() -> None:
    # `migrate` may pass the connection holding its advisory lock.
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = context.config.attributes.get("engine") or make_engine(Settings())
    with engine.connect() as connection:
        _run(connection)


run_migrations_online()
