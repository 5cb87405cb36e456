"""The sync client against an in-memory fake server (httpx.MockTransport)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.store import LocalStore
from app.sync import (
    AuthError,
    ServerError,
    ServerUnreachable,
    SyncClient,
    SyncProgress,
    UpgradeRequired,
)
from domain.hlc import Hlc
from domain.ids import uuid7
from domain.sync import Op, RowOut
from tests.app.fake_server import PASSWORD, FakeServer
from tests.factories import make_local_person, make_local_session, make_local_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = make_local_store(tmp_path)
    s.save_session(make_local_session())
    yield s
    s.close()


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


def client_for(store: LocalStore, server: FakeServer, **kw: Any) -> SyncClient:
    return SyncClient(store, "http://relais.test", transport=server.transport(), **kw)


def remote_edit(server: FakeServer, row_id: str, values: dict[str, object]) -> None:
    """Another device's op reaching the server."""
    hlc = Hlc(10**13, 0, "other-device").encode()
    server.apply(
        Op(op_id=uuid7(), device_seq=1, entity="person", row_id=row_id, hlc=hlc, set=values)
    )


def test_login_saves_session_and_bad_password_is_readable(tmp_path: Path) -> None:
    store, server = make_local_store(tmp_path), FakeServer()
    store.create("person", make_local_person())  # typed before anyone logged in
    with client_for(store, server) as client:
        with pytest.raises(AuthError, match="Identifiant ou mot de passe incorrect"):
            client.login("nadia", "wrong", "Téléphone de Nadia")
        assert store.session() is None
        session = client.login("nadia", PASSWORD, "Téléphone de Nadia")
    assert store.session() == session and session.user["username"] == "nadia"
    assert store.sync_status().pending == 1  # logging in never touches the outbox
    store.close()


def test_offline_edits_are_pushed_compressed_then_acked(
    store: LocalStore, server: FakeServer
) -> None:
    ids = [store.create("person", make_local_person(first_name=f"P{i}")) for i in range(5)]
    seen: list[SyncProgress] = []
    with client_for(store, server, push_batch=2, pull_limit=2) as client:
        report = client.sync(seen.append)
    assert [len(batch) for batch in server.pushed_op_ids] == [2, 2, 1]
    assert (report.pushed, report.acked, report.rejected, report.pulled) == (5, 5, 0, 5)
    assert [p.phase for p in seen] == ["push"] * 3 + ["pull"] * 3
    assert seen[0].total == 5
    status = store.sync_status()
    assert status.pending == 0 and status.last_error is None and status.last_sync_at
    assert all(not r.pending and r.server_version for r in store.rows("person"))
    assert set(server.rows) == set(ids) and store.cursor() == "5"


def test_reply_lost_after_commit_is_replayed_with_same_op_ids(
    store: LocalStore, server: FakeServer
) -> None:
    pid = store.create("person", make_local_person())
    server.lose_push_replies = 1
    with client_for(store, server) as client:
        with pytest.raises(ServerUnreachable):
            client.sync()
        assert store.is_pending("person", pid) and server.rows[pid].version == 1
        client.sync()
    first, second = server.pushed_op_ids
    assert first == second and server.duplicates == 1
    assert server.version == 1  # applied once
    row = store.get("person", pid)
    assert row and not row.pending and row.server_version == 1
    assert row.data["first_name"] == "Aïcha"


def test_a_connection_dropped_by_the_server_is_resent_once(
    store: LocalStore, server: FakeServer
) -> None:
    # uvicorn closes idle kept-alive connections; a request sent on one just then
    # fails with "disconnected without a response" (seen with 200 phones at once).
    pid = store.create("person", make_local_person())
    dropped: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in ("/sync/push", "/sync/pull/stream") and path not in dropped:  # once each
            dropped.append(path)
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        return server.handle(request)

    client = SyncClient(store, "http://relais.test", transport=httpx.MockTransport(flaky))
    with client:
        report = client.sync()
    assert dropped == ["/sync/push", "/sync/pull/stream"]
    assert (report.acked, report.pulled) == (1, 1)
    assert not store.is_pending("person", pid)


def test_rejected_op_is_kept_with_reason_and_the_rest_acked(
    store: LocalStore, server: FakeServer
) -> None:
    server.reject = lambda op: "nom refusé" if op.set.get("last_name") == "Rejet" else None
    good = store.create("person", make_local_person())
    bad = store.create("person", make_local_person(last_name="Rejet"))
    with client_for(store, server) as client:
        report = client.sync()
    assert (report.acked, report.rejected) == (1, 1)
    status = store.sync_status()
    assert status.pending == 0
    [(summary, reason)] = status.rejected
    assert reason == "nom refusé" and bad[-8:] in summary
    bad_row, good_row = store.get("person", bad), store.get("person", good)
    assert bad_row and bad_row.error == "nom refusé" and good_row and good_row.error is None


def test_pulled_rows_never_overwrite_pending_fields_and_pages_are_idempotent(
    store: LocalStore, server: FakeServer
) -> None:
    pid = store.create("person", make_local_person())
    with client_for(store, server) as client:
        client.sync()
    store.update("person", pid, {"phone": "06 00 00 00 01"})
    pulled = RowOut(
        entity="person",
        id=pid,
        version=7,
        data={"first_name": "Aisha", "last_name": "Benali", "phone": "07 99 99 99 99"},
    )
    store.apply_pulled([pulled])
    store.apply_pulled([pulled])  # the same page twice
    row = store.get("person", pid)
    assert row and row.server_version == 7 and row.pending
    assert row.data["first_name"] == "Aisha" and row.data["phone"] == "06 00 00 00 01"
    older = pulled.model_copy(update={"version": 3, "data": {"first_name": "Old"}})
    store.apply_pulled([older])
    assert store.get("person", pid).data["first_name"] == "Aisha"  # type: ignore[union-attr]
    assert len(store.pending_ops(10)) == 1


def test_remote_changes_arrive_on_next_sync(store: LocalStore, server: FakeServer) -> None:
    pid = store.create("person", make_local_person())
    with client_for(store, server) as client:
        client.sync()
        remote_edit(server, pid, {"first_name": "Aisha", "commune": "Sevran"})
        client.sync()
    row = store.get("person", pid)
    assert row and row.data["first_name"] == "Aisha" and row.data["commune"] == "Sevran"


def test_interrupted_pull_resumes_from_last_applied_page(
    store: LocalStore, server: FakeServer
) -> None:
    for i in range(4):
        remote_edit(server, uuid7(), {"first_name": f"R{i}"})
    server.lose_pull_reply_at_page = 2
    with client_for(store, server, pull_limit=2) as client:
        with pytest.raises(ServerUnreachable):
            client.sync()
        assert store.cursor() == "2" and len(store.rows("person")) == 2
        assert store.sync_status().last_error is not None
        report = client.sync()
    assert report.pulled == 2 and len(store.rows("person")) == 4


def test_reset_required_repulls_from_start_and_keeps_outbox(
    store: LocalStore, server: FakeServer
) -> None:
    server.reject = lambda op: "refus" if op.set.get("last_name") == "Rejet" else None
    store.create("person", make_local_person(last_name="Rejet"))
    for i in range(3):
        remote_edit(server, uuid7(), {"first_name": f"R{i}"})
    with client_for(store, server) as client:
        client.sync()
        server.reset_next_pull = True
        pid = store.create("person", make_local_person())
        report = client.sync()
    assert report.pulled == 4  # everything again, from the start
    assert store.cursor() == "4" and not store.is_pending("person", pid)
    assert len(store.sync_status().rejected) == 1


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (426, {"detail": "trop vieux", "min_schema_version": 2}, UpgradeRequired, "à jour"),
        (401, {"detail": "révoqué"}, AuthError, "Session expirée ou appareil révoqué"),
        (503, {"detail": "maintenance"}, ServerError, "maintenance"),
    ],
)
def test_http_errors_become_readable_exceptions_and_nothing_is_lost(
    store: LocalStore,
    server: FakeServer,
    status: int,
    body: dict[str, object],
    error: type[Exception],
    message: str,
) -> None:
    pid = store.create("person", make_local_person())
    server.forced = (status, body)
    with client_for(store, server) as client, pytest.raises(error, match=message) as info:
        client.sync()
    if isinstance(info.value, UpgradeRequired):
        assert info.value.min_schema_version == 2
    assert store.is_pending("person", pid) and store.sync_status().last_error == str(info.value)


def test_unreachable_server_keeps_everything(store: LocalStore, server: FakeServer) -> None:
    pid = store.create("person", make_local_person())
    server.down = True
    with client_for(store, server) as client, pytest.raises(ServerUnreachable) as info:
        client.sync()
    assert "restent sur le téléphone" in str(info.value)
    assert store.is_pending("person", pid) and store.sync_status().pending == 1
    assert store.sync_status().last_sync_at is None


def test_fetch_referentials_is_saved(store: LocalStore, server: FakeServer) -> None:
    with client_for(store, server) as client:
        refs = client.fetch_referentials()
    assert store.referentials() == refs


def test_server_clock_is_observed(store: LocalStore, server: FakeServer) -> None:
    store.create("person", make_local_person())
    with client_for(store, server) as client:
        client.sync()
    store.create("person", make_local_person())
    assert Hlc.parse(store.pending_ops(1)[0].hlc).ms >= 10**12


def test_a_page_failing_to_apply_stops_the_pull_after_the_last_applied_page(
    store: LocalStore, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next page is fetched while one is applied: a failed write still stops the
    pull with the cursor of the last page applied, and nothing is fetched after."""
    for i in range(6):
        remote_edit(server, uuid7(), {"first_name": f"R{i}"})
    applied = 0
    original = store.apply_pull_page

    def failing_second(rows: list[RowOut], cursor: str | None) -> None:
        nonlocal applied
        applied += 1
        if applied == 2:
            raise OSError("disque plein")
        original(rows, cursor)

    monkeypatch.setattr(store, "apply_pull_page", failing_second)
    with client_for(store, server, pull_limit=2) as client:
        with pytest.raises(OSError):
            client.sync()
        assert store.cursor() == "2" and len(store.rows("person")) == 2
        assert server.pull_pages_served == 3  # page 3 was already asked for, no more
        monkeypatch.setattr(store, "apply_pull_page", original)
        report = client.sync()
    assert report.pulled == 4 and len(store.rows("person")) == 6 and store.cursor() == "6"


def test_a_push_failing_mid_way_keeps_exactly_the_unanswered_batches(
    store: LocalStore, server: FakeServer
) -> None:
    # Batch n+1 leaves while batch n's answers are being stored: a failure on the
    # third request must leave the first two acknowledged and the rest pending.
    ids = [store.create("person", make_local_person(first_name=f"P{i}")) for i in range(7)]
    requests: list[int] = []

    def third_fails(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sync/push":
            requests.append(len(requests) + 1)
            if len(requests) == 3:
                raise httpx.ConnectError("connection refused", request=request)
        return server.handle(request)

    with (
        SyncClient(
            store, "http://relais.test", transport=httpx.MockTransport(third_fails), push_batch=2
        ) as client,
        pytest.raises(ServerUnreachable),
    ):
        client.sync()
    assert [len(batch) for batch in server.pushed_op_ids] == [2, 2] and requests == [1, 2, 3]
    assert [store.is_pending("person", pid) for pid in ids] == [False] * 4 + [True] * 3
    with client_for(store, server, push_batch=2) as client:
        report = client.sync()
    assert report.pushed == 3 and report.duplicates == 0
    assert len(server.pushed_op_ids) == 4  # two before the failure, two after
    assert set(server.rows) == set(ids) and store.sync_status().pending == 0


def test_the_next_batch_is_read_while_one_is_on_its_way_and_sent_after_its_answer(
    store: LocalStore, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone prepares batch n+1 while the server works on n, but sends it only
    once n is answered (the server must have committed n before it reads n+1)."""
    for i in range(5):
        store.create("person", make_local_person(first_name=f"P{i}"))
    events: list[str] = []
    second_read = threading.Event()
    original = store.pending_batch

    def reading(limit: int, after_seq: int | None = None) -> Any:
        batch = original(limit, after_seq)
        events.append(f"read {len(batch.op_ids)}")
        if after_seq is not None:
            second_read.set()
        return batch

    def answering(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/sync/push":
            return server.handle(request)
        events.append("push sent")
        if len(server.pushed_op_ids) == 0:
            # The first batch's answer waits until the phone has read the next one.
            assert second_read.wait(5), "batch 2 was not read while batch 1 was on its way"
        response = server.handle(request)
        events.append("push answered")
        return response

    monkeypatch.setattr(store, "pending_batch", reading)
    with SyncClient(
        store, "http://relais.test", transport=httpx.MockTransport(answering), push_batch=2
    ) as client:
        report = client.sync()
    assert report.pushed == 5 and store.sync_status().pending == 0
    assert [len(batch) for batch in server.pushed_op_ids] == [2, 2, 1]
    pushes = [e for e in events if e.startswith("push")]
    assert pushes == ["push sent", "push answered"] * 3  # never two batches at once
    assert events.index("read 2", 1) < events.index("push answered")


def test_the_last_push_brings_the_first_pull_page(store: LocalStore, server: FakeServer) -> None:
    server.serves_pull_with_push = True
    mine = [store.create("person", make_local_person(first_name=f"P{i}")) for i in range(5)]
    theirs = uuid7()
    remote_edit(server, theirs, {"first_name": "Samia"})
    with client_for(store, server, push_batch=2, pull_limit=4) as client:
        report = client.sync()
    # Three batches; only the last asked for the page, which came with its answer.
    assert [len(batch) for batch in server.pushed_op_ids] == [2, 2, 1]
    assert server.pull_pages_with_push == 1
    assert server.pull_pages_served == 1  # the second page only: 6 rows, 4 a page
    assert (report.pushed, report.pulled) == (5, 6)
    assert {r.id for r in store.rows("person")} == {*mine, theirs}
    assert store.get("person", theirs).data["first_name"] == "Samia"  # type: ignore[union-attr]
    assert store.cursor() == str(server.version)
    # Nothing new: the next sync pushes nothing and asks the server once.
    with client_for(store, server) as client:
        assert client.sync().pulled == 0
    assert server.pull_pages_served == 2
