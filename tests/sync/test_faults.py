"""Fault injection against a real server process: kills, lost replies, skewed clocks.

Whatever happens on the way, every op a phone wrote ends up applied exactly once,
and after a final sync the phone and the server hold the same values.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from app.store import LocalStore
from app.sync.client import SyncProgress
from app.sync.errors import ServerUnreachable
from benchmarks.common import written_ops
from tests.sync.checks import (
    assert_ops_applied_once,
    assert_phone_equals_server,
    device_ledger,
    server_data,
)
from tests.sync.conftest import LiveServer, PhoneFactory, server_snapshot
from tests.sync.proxy import DroppingProxy

pytestmark = pytest.mark.processes

OPS = 3_000


def _rows_held(path: Path) -> int:
    """Rows of every kind in a phone's store file."""
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM row").fetchone()[0])


def _write_many(phone_store: LocalStore, persons: int) -> None:
    ids = [phone_store.create("person", {"first_name": f"Personne {i}"}) for i in range(persons)]
    for n, person_id in enumerate(ids):
        phone_store.update("person", person_id, {"need": f"besoin {n}"})
        phone_store.update("person", person_id, {"commune": f"Commune {n % 7}"})


@pytest.mark.parametrize("when", ["after_first_ack", "during_a_batch"])
def test_server_killed_during_large_push(
    live_server: LiveServer, make_phone: PhoneFactory, when: str
) -> None:
    phone = make_phone(live_server.url, "amina", push_batch=250)
    _write_many(phone.store, OPS // 3)
    assert phone.store.sync_status().pending == OPS
    acked_batches: list[int] = []

    def kill_server(progress: SyncProgress) -> None:
        if progress.phase != "push" or acked_batches:
            return
        acked_batches.append(progress.done)
        if when == "after_first_ack":
            live_server.kill()
        else:
            # The next batch is on its way when the power goes.
            threading.Timer(0.05, live_server.kill).start()

    with pytest.raises(ServerUnreachable):
        phone.client.sync(kill_server)
    assert acked_batches == [250]
    left = phone.store.sync_status().pending
    assert 0 < left <= OPS - 250
    assert phone.store.sync_status().last_error is not None

    live_server.start()
    report = phone.client.sync()
    # Ops the dead server committed without answering come back as duplicates.
    assert report.pushed == left
    assert report.rejected == 0

    snapshot = server_snapshot(live_server.database_url)
    mine = device_ledger(phone, snapshot)
    assert len(mine) == OPS
    assert {entry.outcome for entry in mine} == {"applied"}
    assert_ops_applied_once(phone, snapshot)
    assert_phone_equals_server(phone, snapshot)
    written = {op["row_id"] for op in written_ops(phone.path)}
    persons = [snapshot.records[row_id] for row_id in written]
    assert len(persons) == OPS // 3
    # Each person saw exactly its three ops: a create, then one version per update.
    assert all(len(set(p.version_by_field().values())) == 3 for p in persons)


def test_server_killed_while_a_long_pull_streams_keeps_the_pages_applied(
    live_server: LiveServer, make_phone: PhoneFactory
) -> None:
    # Karim's phone logged a backlog; Amina's, back after weeks, pulls it in one
    # streamed reply of many pages, and the server dies half-way through.
    karim = make_phone(live_server.url, "karim")
    _write_many(karim.store, 1_000)
    karim.client.sync()
    # 100 pages: more than one reply carries, so the kill lands mid-reply or, on a
    # machine slow enough for the first reply to end first, before the second.
    amina = make_phone(live_server.url, "amina", pull_limit=10)
    applied: list[int] = []

    def kill_server(progress: SyncProgress) -> None:
        if progress.phase == "pull" and not applied:
            applied.append(progress.done)
            live_server.kill()  # the reply is still streaming its next pages

    with pytest.raises(ServerUnreachable, match="restent sur le téléphone"):
        amina.client.sync(kill_server)
    kept = _rows_held(amina.path)
    assert applied and applied[0] <= kept < 1_000  # what arrived whole was applied
    cursor = amina.store.cursor()
    assert cursor is not None and amina.store.sync_status().last_error is not None

    live_server.start()
    report = amina.client.sync()
    # Resumed after the last page applied: nothing pulled twice, nothing skipped.
    assert report.pulled == _rows_held(amina.path) - kept
    assert len(amina.store.rows("person")) >= 1_000
    snapshot = server_snapshot(live_server.database_url)
    assert_phone_equals_server(amina, snapshot)
    assert_phone_equals_server(karim, snapshot)


def test_lost_push_reply_is_resent_at_once_and_answered_duplicate(
    live_server: LiveServer, make_phone: PhoneFactory
) -> None:
    # The connection drops after the server committed: the client resends the same
    # batch once within the same sync, and the server answers it from its ledger.
    with DroppingProxy(live_server.port, drop_replies_to="/sync/push", drops=1) as proxy:
        phone = make_phone(proxy.url, "amina")
        person_id = phone.store.create("person", {"first_name": "Yasmina", "need": "permis"})
        phone.store.update("person", person_id, {"commune": "Creil"})
        sent = [op["op_id"] for op in written_ops(phone.path)]

        report = phone.client.sync()
    assert proxy.dropped == 1
    assert len(proxy.push_bodies) == 2
    assert proxy.push_bodies[-1] == proxy.push_bodies[0]  # the very same ops, resent
    assert report.pushed == 2
    assert report.rejected == 0
    assert phone.store.sync_status().pending == 0
    snapshot = server_snapshot(live_server.database_url)
    assert sorted(e.op_id for e in device_ledger(phone, snapshot)) == sorted(sent)
    assert [e.outcome for e in device_ledger(phone, snapshot)] == ["applied", "applied"]
    assert report.duplicates == 2  # the resend was answered from the ledger
    assert len(set(snapshot.records[person_id].version_by_field().values())) == 2  # not three
    assert_ops_applied_once(phone, snapshot)
    assert_phone_equals_server(phone, snapshot)


def test_reply_lost_twice_fails_the_sync_and_the_next_one_finishes(
    live_server: LiveServer, make_phone: PhoneFactory
) -> None:
    with DroppingProxy(live_server.port, drop_replies_to="/sync/push", drops=2) as proxy:
        phone = make_phone(proxy.url, "amina")
        person_id = phone.store.create("person", {"first_name": "Yasmina", "need": "permis"})
        phone.store.update("person", person_id, {"commune": "Creil"})
        sent = [op["op_id"] for op in written_ops(phone.path)]

        with pytest.raises(ServerUnreachable):
            phone.client.sync()
        # The server did apply the batch; only its answers were lost.
        assert proxy.dropped == 2
        applied = device_ledger(phone, server_snapshot(live_server.database_url))
        assert sorted(e.op_id for e in applied) == sorted(sent)
        assert phone.store.sync_status().pending == 2

        report = phone.client.sync()
    assert proxy.push_bodies[-1] == proxy.push_bodies[0]  # the very same ops, resent
    assert report.pushed == 2
    assert report.rejected == 0
    snapshot = server_snapshot(live_server.database_url)
    assert [e.outcome for e in device_ledger(phone, snapshot)] == ["applied", "applied"]
    assert report.duplicates == 2  # the resend was answered from the ledger
    assert snapshot.records[person_id].version == max(
        snapshot.records[person_id].version_by_field().values()
    )
    assert len(set(snapshot.records[person_id].version_by_field().values())) == 2  # not three
    assert_ops_applied_once(phone, snapshot)
    assert_phone_equals_server(phone, snapshot)


def test_clock_a_day_ahead_is_flagged_and_loses_to_a_later_edit(
    live_server: LiveServer, make_phone: PhoneFactory
) -> None:
    from domain.hlc import wall_ms

    karim = make_phone(live_server.url, "karim")
    ahead = make_phone(live_server.url, "amina", wall=lambda: wall_ms() + 86_400_000)
    person_id = karim.store.create("person", {"first_name": "Samir", "need": "CV"})
    karim.client.sync()
    ahead.client.sync()

    ahead.store.update("person", person_id, {"need": "formation cariste"})
    report = ahead.client.sync()
    assert report.clock_flagged == 1
    snapshot = server_snapshot(live_server.database_url)
    flagged = [e for e in snapshot.ledger if e.clock_flagged]
    assert all(e.device_id == ahead.device_id for e in flagged)
    assert [e.set_values for e in flagged] == [{"need": "formation cariste"}]

    # Minutes later, in real time, Karim corrects the need.
    karim.client.sync()
    karim.store.update("person", person_id, {"need": "permis B"})
    karim.client.sync()
    ahead.client.sync()

    snapshot = server_snapshot(live_server.database_url)
    assert server_data(snapshot, person_id)["need"] == "permis B"
    for phone in (karim, ahead):
        row = phone.store.get("person", person_id)
        assert row is not None
        assert row.data["need"] == "permis B"
        assert_phone_equals_server(phone, snapshot)
