"""SQLite server: commits are durable, and the WAL goes back into the database file
from the server's background thread, not inside the push requests."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from sync_server.core.db import make_engine, migrate, sqlite_file
from sync_server.core.settings import Settings
from sync_server.core.wal_checkpoint import REQUEST_AUTOCHECKPOINT_PAGES, WalCheckpointer
from sync_server.main import create_app
from tests.factories import contact_values, make_cite, make_device, make_user, op


def _server_file(tmp_path: Path) -> tuple[Settings, Path]:
    path = tmp_path / "relais.sqlite3"
    settings = Settings(database_url=f"sqlite:///{path}")
    engine = make_engine(settings)
    migrate(engine)
    engine.dispose()
    return settings, path


def test_request_connections_commit_durably_and_leave_checkpoints_to_the_thread(
    tmp_path: Path,
) -> None:
    settings, path = _server_file(tmp_path)
    engine = make_engine(settings)
    try:
        assert sqlite_file(engine) == path
        with engine.connect() as conn:
            # 2 = FULL: the WAL is fsynced at every commit, before a push is answered.
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            autocheckpoint = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
            assert autocheckpoint == REQUEST_AUTOCHECKPOINT_PAGES
    finally:
        engine.dispose()


def test_pushed_rows_reach_the_database_file_itself(tmp_path: Path) -> None:
    """A copy of the .sqlite3 file alone (no -wal beside it), taken while the server
    runs, holds what was pushed once the background checkpoint has passed."""
    settings, path = _server_file(tmp_path)
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        cite = make_cite(session)
        login = make_device(session, user=make_user(session, cite=cite, username="amina"))
    engine.dispose()
    ops = [op("contact", contact_values(login.user.id, need=f"besoin {i}")) for i in range(300)]
    with TestClient(create_app(settings)) as client:
        checkpointer = client.app.state.wal_checkpointer  # type: ignore[attr-defined]
        assert isinstance(checkpointer, WalCheckpointer)
        before = checkpointer.checkpoints
        answer = client.post("/sync/push", json={"ops": ops}, headers=login.headers)
        assert answer.status_code == 200, answer.text
        assert {r["outcome"] for r in answer.json()["results"]} == {"applied"}
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert checkpointer.checkpoints > before
        copy = tmp_path / "copy.sqlite3"
        shutil.copyfile(path, copy)
    conn = sqlite3.connect(copy)
    try:
        stored = conn.execute("SELECT count(*) FROM record WHERE entity = 'contact'").fetchone()
        ledger = conn.execute("SELECT count(*) FROM sync_op").fetchone()
    finally:
        conn.close()
    assert stored == (300,)
    assert ledger == (300,)


def test_only_a_sqlite_file_gets_a_checkpoint_thread() -> None:
    for url in ("sqlite://", "postgresql+psycopg://postgres@127.0.0.1:5432/test"):
        engine = make_engine(Settings(database_url=url))  # no connection is opened
        assert sqlite_file(engine) is None
        engine.dispose()
