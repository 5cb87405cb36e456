"""The phone's pull over `GET /sync/pull/stream`: many pages per reply, read ahead."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.store import LocalStore
from app.sync import ServerError, ServerUnreachable, SyncClient
from app.sync import client as client_module
from app.sync.read_ahead import lines, pages_ahead
from domain.ids import uuid7
from tests.app.fake_server import FakeServer
from tests.app.test_sync import client_for, remote_edit
from tests.factories import make_local_session, make_local_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = make_local_store(tmp_path)
    s.save_session(make_local_session())
    yield s
    s.close()


def _seeded(rows: int) -> FakeServer:
    server = FakeServer()
    for i in range(rows):
        remote_edit(server, uuid7(), {"first_name": f"R{i}"})
    return server


def _counting(server: FakeServer, paths: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return server.handle(request)

    return httpx.MockTransport(handle)


def test_a_catch_up_pull_takes_one_request_for_many_pages(store: LocalStore) -> None:
    server, paths = _seeded(7), list[str]()
    with SyncClient(
        store, "http://relais.test", transport=_counting(server, paths), pull_limit=2
    ) as client:
        report = client.sync()
    assert paths == ["/sync/pull/stream"] and server.pull_pages_served == 4
    assert report.pulled == 7 and len(store.rows("person")) == 7
    assert store.cursor() == "7"


def test_a_reply_ending_before_the_last_page_is_followed_by_another(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_STREAM_PAGES", 2)  # what the phone asks for
    server, paths = _seeded(7), list[str]()
    with SyncClient(
        store, "http://relais.test", transport=_counting(server, paths), pull_limit=2
    ) as client:
        assert client.sync().pulled == 7
    assert paths == ["/sync/pull/stream"] * 2 and store.cursor() == "7"


def test_an_older_server_without_the_stream_is_pulled_page_by_page(store: LocalStore) -> None:
    server, paths = _seeded(5), list[str]()
    server.serves_pull_stream = False
    with SyncClient(
        store, "http://relais.test", transport=_counting(server, paths), pull_limit=2
    ) as client:
        assert client.sync().pulled == 5
        assert client.sync().pulled == 0  # remembered: no stream asked again
    assert paths == ["/sync/pull/stream"] + ["/sync/pull"] * 3 + ["/sync/pull"]
    assert len(store.rows("person")) == 5 and store.cursor() == "5"


def _replying(body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda _request: httpx.Response(200, content=body))


def _page_line(server: FakeServer, cursor: int, limit: int) -> bytes:
    return json.dumps(server._page(cursor, limit).model_dump(mode="json")).encode() + b"\n"


def test_a_reply_cut_in_the_middle_of_a_page_keeps_the_pages_before_it(
    store: LocalStore,
) -> None:
    server = _seeded(4)
    whole = _page_line(server, 0, 2) + _page_line(server, 2, 2)
    cut = whole[: len(whole) - 40]  # the connection dropped near the end
    with (
        SyncClient(store, "http://relais.test", transport=_replying(cut), pull_limit=2) as client,
        pytest.raises(ServerUnreachable, match="restent sur le téléphone"),
    ):
        client.sync()
    assert store.cursor() == "2" and len(store.rows("person")) == 2
    with client_for(store, server, pull_limit=2) as client:
        assert client.sync().pulled == 2  # resumed from the page kept
    assert len(store.rows("person")) == 4


def test_a_garbled_page_stops_the_pull_with_a_readable_error(store: LocalStore) -> None:
    server = _seeded(4)
    body = _page_line(server, 0, 2) + b'{"rows": "pas une liste"}\n'
    with (
        SyncClient(store, "http://relais.test", transport=_replying(body), pull_limit=2) as client,
        pytest.raises(ServerError, match="réponse inattendue"),
    ):
        client.sync()
    assert store.cursor() == "2" and len(store.rows("person")) == 2


def test_lines_are_whole_whatever_the_chunks() -> None:
    assert list(lines([b'{"a":', b"1}\n{", b'"b":2}\n', b"", b"{}\n"])) == [
        b'{"a":1}',
        b'{"b":2}',
        b"{}",
    ]
    assert list(lines([])) == []
    with pytest.raises(ValueError, match="interrompue"):
        list(lines([b"{}\n", b'{"a"']))


def test_pages_ahead_hands_items_in_order_then_the_error_where_it_occurred() -> None:
    def read() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("réseau coupé")

    seen: list[int] = []
    with pytest.raises(OSError, match="réseau coupé"), pages_ahead(read) as items:
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_reader_and_closes_what_it_held() -> None:
    closed = threading.Event()
    produced: list[int] = []

    def read() -> Iterator[int]:
        try:
            for i in range(1000):
                produced.append(i)
                yield i
        finally:
            closed.set()  # e.g. the reply's connection, released

    with pages_ahead(read, depth=2) as items:
        assert next(items) == 0
    assert closed.is_set()  # already: leaving the block waited for the reader
    assert len(produced) <= 1 + 2 + 1  # taken, waiting in the queue, being handed over
