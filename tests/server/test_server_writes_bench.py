"""The benchmark's "second floor" replays exactly what a push wrote, nothing more or less.

`benchmarks.server_writes` records the bulk statements of a push and sends them again
into a fresh database; its figure means something only if that database ends up with
the same records and ledger entries as the server that took the push. Timings are not
asserted (see benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlmodel import Session, select

from benchmarks.server_writes import Recorder, replay_into, without_field_maps
from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.models import Record, SyncOp
from tests.factories import contact_values, make_cite, make_device, make_user, op, push
from tests.server.conftest import fresh_pg_database

# Two pushes: one above COPY_FROM_ROWS (COPY on PostgreSQL), one below (INSERTs).
SIZES = (80, 50)


def _written(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    with Session(engine) as session:
        records = {r.id: (r.version, r.data, r.field_hlc) for r in session.exec(select(Record))}
        ledger = {o.op_id: (o.outcome, o.version) for o in session.exec(select(SyncOp))}
    return records, ledger


def test_the_replay_writes_what_the_push_wrote(
    engine: Engine, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        cite = make_cite(session)
        user = make_user(session, cite=cite)
        login = make_device(session, user=user)
        session.commit()
        recorder = Recorder()
        results = []
        with recorder.on(engine):
            for size in SIZES:
                ops = [op("contact", contact_values(user.id, note=f"n°{i}")) for i in range(size)]
                results += push(session, login=login, ops=ops)
                recorder.commit()
    assert {r.outcome for r in results} == {"applied"}
    assert len(recorder.transactions) == 2  # one per push, as committed
    assert recorder.rows == 2 * sum(SIZES)  # a record and a ledger entry per contact
    pushed = _written(engine)

    # A new contact's stamp maps are empty already: the what-if writes the same rows.
    for rows in (None, without_field_maps):
        with _fresh(engine, request, tmp_path / "replayed.sqlite3") as url:
            if rows is None:
                replay_into(url, recorder.transactions)
            else:
                replay_into(url, recorder.transactions, rows=rows)
            replayed = create_engine(url)
            assert _written(replayed) == pushed
            replayed.dispose()
        (tmp_path / "replayed.sqlite3").unlink(missing_ok=True)


@contextmanager
def _fresh(pushed_to: Engine, request: pytest.FixtureRequest, path: Path) -> Iterator[str]:
    """A fresh migrated database of the same kind as the one pushed to."""
    if pushed_to.dialect.name == "postgresql":
        with fresh_pg_database(request.getfixturevalue("pg_admin")) as url:
            _migrate(url)
            yield url
        return
    url = f"sqlite:///{path}"
    _migrate(url)
    yield url


def _migrate(url: str) -> None:
    engine = make_engine(Settings(database_url=url))
    migrate(engine)
    engine.dispose()
