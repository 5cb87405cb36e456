"""Alembic environment: the app's SQLModel metadata, the database of `Settings`.

`sync_server.core.db.migrate` passes its engine in `config.attributes["engine"]`;
the alembic CLI falls back to `Settings()` (RELAIS_DATABASE_URL).
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from sync_server import models  # noqa: F401  (registers the tables)
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine") or make_engine(Settings())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
