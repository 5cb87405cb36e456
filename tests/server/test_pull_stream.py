"""`GET /sync/pull/stream`: many pull pages in one reply, one per line."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx2
import pytest
import zstandard
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from sync_server.api import pull_stream
from sync_server.sync.pull import purge_tombstones
from tests.factories import make_record, op, person_values, push
from tests.server.conftest import World
from tests.server.test_pull import pull_all


def _pages(res: httpx2.Response) -> list[dict[str, Any]]:
    """The pages of a streamed reply, decompressed here (the phone's httpx does it
    itself; the test client's HTTP library does not decode zstd)."""
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("application/x-ndjson")
    raw = res.content
    if res.headers.get("content-encoding") == "zstd":
        raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    assert raw.endswith(b"\n"), "every page ends its line"
    return [json.loads(line) for line in raw.split(b"\n")[:-1]]


def _stream(
    client: TestClient, headers: dict[str, str], encoding: str = "", **params: Any
) -> list[dict[str, Any]]:
    res = client.get(
        "/sync/pull/stream", params=params, headers={**headers, "Accept-Encoding": encoding}
    )
    return _pages(res)


@pytest.mark.parametrize("encoding", ["", "zstd"])
def test_a_streamed_reply_holds_the_pages_the_page_by_page_pull_serves(
    client: TestClient, session: Session, world: World, encoding: str
) -> None:
    ids = [
        make_record(session, login=world.karim, entity="person", values=person_values())[0]
        for _ in range(5)
    ]
    [gone] = push(
        session,
        login=world.karim,
        ops=[op("person", {"deleted": True}, row_id=ids[0], base_version=1)],
    )
    assert gone.outcome == "applied"
    one_by_one, cursor, count = pull_all(client, world.amina.headers, limit=2)

    pages = _stream(client, world.amina.headers, encoding, limit=2)
    assert len(pages) == count == 3
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert [r for p in pages for r in p["rows"]] == one_by_one
    assert pages[-1]["cursor"] == cursor
    # Each page starts where the one before ended, as a phone asking again would.
    again = _stream(client, world.amina.headers, encoding, limit=2, cursor=pages[0]["cursor"])
    assert again == pages[1:]
    # Up to date: one empty page.
    assert _stream(client, world.amina.headers, encoding, cursor=cursor) == [
        {**pages[-1], "rows": [], "has_more": False}
    ]


def test_a_reply_stops_after_the_pages_asked_and_the_phone_asks_again(
    client: TestClient, session: Session, world: World
) -> None:
    for _ in range(7):
        make_record(session, login=world.karim, entity="person", values=person_values())
    first = _stream(client, world.amina.headers, limit=2, pages=2)
    assert [len(p["rows"]) for p in first] == [2, 2] and first[-1]["has_more"] is True
    rest = _stream(client, world.amina.headers, limit=2, pages=2, cursor=first[-1]["cursor"])
    assert [len(p["rows"]) for p in rest] == [2, 1] and rest[-1]["has_more"] is False
    ids = [r["id"] for p in first + rest for r in p["rows"]]
    assert len(ids) == len(set(ids)) == 7


def test_a_streamed_reply_is_scoped_to_the_cite(
    client: TestClient, session: Session, world: World
) -> None:
    make_record(session, login=world.amina, entity="person", values=person_values())
    assert [p["rows"] for p in _stream(client, world.other.headers)] == [[]]


def test_large_pages_go_compressed_line_by_line(
    client: TestClient, session: Session, world: World
) -> None:
    for _ in range(60):
        make_record(session, login=world.karim, entity="person", values=person_values())
    plain = client.get(
        "/sync/pull/stream",
        params={"limit": 20},
        headers={**world.amina.headers, "Accept-Encoding": ""},
    )
    packed = client.get(
        "/sync/pull/stream",
        params={"limit": 20},
        headers={**world.amina.headers, "Accept-Encoding": "gzip, deflate, zstd"},
    )
    assert packed.headers["content-encoding"] == "zstd" and "content-encoding" not in plain.headers
    assert "Accept-Encoding" in packed.headers["vary"]
    assert _pages(packed) == _pages(plain) and len(_pages(plain)) == 3
    assert len(packed.content) < len(plain.content) / 3


def test_bad_requests_get_a_reason_and_an_old_cursor_a_reset(
    client: TestClient, session: Session, world: World
) -> None:
    res = client.get("/sync/pull/stream", params={"cursor": "%%%"}, headers=world.amina.headers)
    assert res.status_code == 400 and "curseur" in res.json()["detail"]
    for pages in (0, 51):
        res = client.get("/sync/pull/stream", params={"pages": pages}, headers=world.amina.headers)
        assert res.status_code == 422, pages
    assert client.get("/sync/pull/stream").status_code == 401

    gone, version = make_record(session, login=world.amina, entity="person", values=person_values())
    [early] = _stream(client, world.amina.headers)
    push(
        session,
        login=world.amina,
        ops=[op("person", {"deleted": True}, row_id=gone, base_version=version)],
    )
    make_record(session, login=world.amina, entity="person", values=person_values())
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert purge_tombstones(session, older_than=future) == 1
    session.commit()
    reset = _stream(client, world.amina.headers, limit=1, cursor=early["cursor"])
    assert reset == [{**reset[0], "rows": [], "reset_required": True, "has_more": False}]


def test_a_database_failure_mid_reply_ends_it_after_the_pages_already_sent(
    client: TestClient,
    session: Session,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for _ in range(5):
        make_record(session, login=world.karim, entity="person", values=person_values())
    real = pull_stream.pull_page
    calls = 0

    def failing_third(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:  # the reply's third page (the first is read by the route)
            raise OperationalError("SELECT", {}, Exception("connexion perdue: Amina"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pull_stream, "pull_page", failing_third)
    res = client.get("/sync/pull/stream", params={"limit": 2}, headers=world.amina.headers)
    raw = res.content
    # Two whole pages, then nothing: the phone applies them and resumes from there.
    assert raw.count(b"\n") == 2 and raw.endswith(b"\n")
    assert [json.loads(line)["has_more"] for line in raw.split(b"\n")[:-1]] == [True, True]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "OperationalError" in logged and "Amina" not in logged
