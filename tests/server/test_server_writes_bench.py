"""The benchmark's "second floor" replays exactly what a push wrote, nothing more or less.

`benchmarks.server_writes` records the bulk statements of a push and sends them again
into a fresh database; its figure means something only if that database ends up with
the same records and ledger entries as the server that took the push. Timings are not
asserted (see benchmarks/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlmodel import Session, select

from benchmarks.server_writes import Recorder, replay_into, without_field_maps
from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.models import Record, SyncOp
from tests.factories import contact_values, make_cite, make_device, make_user, op, push

CONTACTS = 80  # above COPY_FROM_ROWS: the bulk path with its executemany


def _written(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    with Session(engine) as session:
        records = {r.id: (r.version, r.data, r.field_hlc) for r in session.exec(select(Record))}
        ledger = {o.op_id: (o.outcome, o.version) for o in session.exec(select(SyncOp))}
    return records, ledger


def test_the_replay_writes_what_the_push_wrote(tmp_path: Path) -> None:
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'server.sqlite3'}"))
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        cite = make_cite(session)
        user = make_user(session, cite=cite)
        login = make_device(session, user=user)
        session.commit()
        ops = [op("contact", contact_values(user.id, note=f"n°{i}")) for i in range(CONTACTS)]
        recorder = Recorder()
        with recorder.on(engine):
            results = push(session, login=login, ops=ops[:50])
            recorder.commit()
            results += push(session, login=login, ops=ops[50:])
            recorder.commit()
    assert {r.outcome for r in results} == {"applied"}
    assert len(recorder.transactions) == 2  # one per push, as committed
    assert recorder.rows == 2 * CONTACTS  # a record and a ledger entry per contact
    pushed = _written(engine)

    as_stored = _fresh(tmp_path / "as-stored.sqlite3")
    replay_into(as_stored, recorder.transactions)
    # A new contact's stamp maps are empty already: the what-if writes the same rows.
    no_maps = _fresh(tmp_path / "without-field-maps.sqlite3")
    replay_into(no_maps, recorder.transactions, rows=without_field_maps)
    for url in (as_stored, no_maps):
        replayed = create_engine(url)
        assert _written(replayed) == pushed
        replayed.dispose()
    engine.dispose()


def _fresh(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(Settings(database_url=url))
    migrate(engine)
    engine.dispose()
    return url
