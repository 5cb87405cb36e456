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

from sync_server.api.routes import sync as sync_routes
from sync_server.models import Record
from sync_server.sync.pull import purge_tombstones
from tests.factories import make_record, op, person_values, push
from tests.server.conftest import World


def pull_all(
    client: TestClient, headers: dict[str, str], cursor: str = "", limit: int = 2
) -> tuple[list[dict[str, Any]], str, int]:
    rows: list[dict[str, Any]] = []
    pages = 0
    while True:
        res = client.get("/sync/pull", params={"cursor": cursor, "limit": limit}, headers=headers)
        assert res.status_code == 200, res.text
        body = res.json()
        assert not body["reset_required"]
        rows += body["rows"]
        cursor = body["cursor"]
        pages += 1
        if not body["has_more"]:
            return rows, cursor, pages


def test_pull_pages_with_cursor_and_tombstones(
    client: TestClient, session: Session, world: World
) -> None:
    ids = [
        make_record(session, login=world.amina, entity="person", values=person_values())[0]
        for _ in range(5)
    ]
    [deleted] = push(
        session,
        login=world.karim,
        ops=[op("person", {"deleted": True}, row_id=ids[0], base_version=1)],
    )
    assert deleted.outcome == "applied"

    rows, cursor, pages = pull_all(client, world.amina.headers, limit=2)
    assert pages == 3
    assert sorted(r["id"] for r in rows) == sorted(ids)
    versions = [r["version"] for r in rows]
    assert versions == sorted(versions)
    tomb = next(r for r in rows if r["id"] == ids[0])
    assert tomb["deleted"] is True and tomb["data"]["deleted"] is True

    # Nothing new: same cursor, no rows; then one change arrives alone.
    res = client.get("/sync/pull", params={"cursor": cursor}, headers=world.amina.headers).json()
    assert res["rows"] == [] and res["has_more"] is False and res["cursor"] == cursor
    new_id, _ = make_record(session, login=world.karim, entity="person", values=person_values())
    res = client.get("/sync/pull", params={"cursor": cursor}, headers=world.amina.headers).json()
    assert [r["id"] for r in res["rows"]] == [new_id]


def test_pull_is_scoped_to_the_cite(client: TestClient, session: Session, world: World) -> None:
    make_record(session, login=world.amina, entity="person", values=person_values())
    rows, _cursor, _pages = pull_all(client, world.other.headers)
    assert rows == []


def test_malformed_cursor_is_400(client: TestClient, world: World) -> None:
    for cursor in ("%%%", "bm90IGpzb24", "eyJ0IjoxfQ"):
        res = client.get("/sync/pull", params={"cursor": cursor}, headers=world.amina.headers)
        assert res.status_code == 400, cursor
        assert "curseur" in res.json()["detail"]


def test_purge_raises_the_floor_and_old_cursors_must_reset(
    client: TestClient, session: Session, world: World
) -> None:
    old_id, _ = make_record(session, login=world.amina, entity="person", values=person_values())
    _rows, early_cursor, _ = pull_all(client, world.amina.headers)
    gone, version = make_record(session, login=world.amina, entity="person", values=person_values())
    push(
        session,
        login=world.amina,
        ops=[op("person", {"deleted": True}, row_id=gone, base_version=version)],
    )
    kept, _ = make_record(session, login=world.amina, entity="person", values=person_values())
    _rows, late_cursor, _ = pull_all(client, world.amina.headers, cursor=early_cursor)

    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert purge_tombstones(session, older_than=future) == 1
    session.commit()

    res = client.get("/sync/pull", params={"cursor": early_cursor}, headers=world.amina.headers)
    assert res.json()["reset_required"] is True and res.json()["rows"] == []
    res = client.get("/sync/pull", params={"cursor": late_cursor}, headers=world.amina.headers)
    assert res.json()["reset_required"] is False
    rows, _cursor, _ = pull_all(client, world.amina.headers)  # restart from scratch
    assert {r["id"] for r in rows} == {old_id, kept}


def test_a_push_may_bring_the_first_pull_page(
    client: TestClient, session: Session, world: World
) -> None:
    theirs, _ = make_record(session, login=world.karim, entity="person", values=person_values())
    mine = op("person", person_values(first_name="Zoé"))
    res = client.post(
        "/sync/push",
        params={"then_pull": "true", "limit": 2},
        json={"ops": [mine]},
        headers=world.amina.headers,
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert [r["outcome"] for r in body["results"]] == ["applied"]
    # The page is read after the push's commit: it holds the row just pushed.
    page = body["pull"]
    assert [r["id"] for r in page["rows"]] == [theirs, mine["row_id"]]
    assert page["rows"][1]["data"]["first_name"] == "Zoé"
    alone = client.get("/sync/pull", params={"limit": 2}, headers=world.amina.headers)
    assert alone.json() == page  # the same page `GET /sync/pull` serves

    # Asked from where the phone stands: nothing new yet.
    res = client.post(
        "/sync/push",
        params={"then_pull": "true", "cursor": page["cursor"]},
        json={"ops": []},
        headers=world.amina.headers,
    )
    assert res.json()["pull"]["rows"] == [] and res.json()["pull"]["has_more"] is False
    # Not asked: no page. A cursor the server cannot read: the ops still apply.
    plain = client.post("/sync/push", json={"ops": []}, headers=world.amina.headers).json()
    assert "pull" not in plain
    other = op("person", person_values())
    res = client.post(
        "/sync/push",
        params={"then_pull": "true", "cursor": "%%%"},
        json={"ops": [other]},
        headers=world.amina.headers,
    )
    assert res.status_code == 200 and "pull" not in res.json()
    assert res.json()["results"][0]["outcome"] == "applied"
    # Scoped like the pull: another cité's mediator gets their cité's rows only.
    res = client.post(
        "/sync/push", params={"then_pull": "true"}, json={"ops": []}, headers=world.other.headers
    )
    assert res.json()["pull"]["rows"] == []


def test_a_failing_pull_page_never_costs_the_push_its_answers(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT", {}, Exception("connection lost"))

    monkeypatch.setattr(sync_routes, "pull_page", broken)
    mine = op("person", person_values())
    res = client.post(
        "/sync/push",
        params={"then_pull": "true"},
        json={"ops": [mine]},
        headers=world.amina.headers,
    )
    assert res.status_code == 200 and "pull" not in res.json()
    assert [r["outcome"] for r in res.json()["results"]] == ["applied"]
    session.expire_all()
    assert session.get(Record, mine["row_id"]) is not None


def _decoded(res: httpx2.Response) -> Any:
    """The JSON of a reply, decompressed here: the test client's HTTP library does not
    decode zstd (the phone's httpx does: `tests/sync` pulls through it over HTTP)."""
    raw = res.content
    if res.headers.get("content-encoding") == "zstd":
        raw = zstandard.ZstdDecompressor().decompress(raw)
    return json.loads(raw)


@pytest.mark.parametrize(
    ("header", "compressed"),
    [
        ("gzip, deflate, zstd", True),
        ("ZSTD;q=0.5", True),
        ("zstd;q=0", False),
        ("gzip, deflate", False),
        ("identity", False),
    ],
)
def test_pull_pages_are_compressed_for_phones_that_accept_zstd(
    client: TestClient, session: Session, world: World, header: str, compressed: bool
) -> None:
    for _ in range(20):
        make_record(session, login=world.karim, entity="person", values=person_values())
    plain = client.get(
        "/sync/pull", params={"limit": 50}, headers={**world.amina.headers, "Accept-Encoding": ""}
    )
    res = client.get(
        "/sync/pull",
        params={"limit": 50},
        headers={**world.amina.headers, "Accept-Encoding": header},
    )
    assert res.status_code == 200 and "Accept-Encoding" in res.headers["vary"]
    assert res.headers.get("content-encoding") == ("zstd" if compressed else None)
    # The same page either way, in fewer bytes on the wire when compressed.
    assert _decoded(res) == plain.json() and len(plain.json()["rows"]) == 20
    if compressed:
        assert len(res.content) < len(plain.content) / 3
    else:
        assert res.content == plain.content


def test_a_push_answer_with_its_page_is_compressed_too(
    client: TestClient, session: Session, world: World
) -> None:
    for _ in range(20):
        make_record(session, login=world.karim, entity="person", values=person_values())
    res = client.post(
        "/sync/push",
        params={"then_pull": "true"},
        json={"ops": [op("person", person_values())]},
        headers={**world.amina.headers, "Accept-Encoding": "zstd"},
    )
    assert res.status_code == 200 and res.headers["content-encoding"] == "zstd"
    body = _decoded(res)
    assert body["results"][0]["outcome"] == "applied" and len(body["pull"]["rows"]) == 21
    # A small answer goes as it is: compressing a packet's worth saves nothing.
    small = client.post(
        "/sync/push", json={"ops": []}, headers={**world.amina.headers, "Accept-Encoding": "zstd"}
    )
    assert small.status_code == 200 and "content-encoding" not in small.headers
