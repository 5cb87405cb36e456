"""Reading pull pages and push answers: the checked fast path and the model agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from app.store import LocalStore, fast_json
from app.store.codec import Codec
from app.sync import ServerError, SyncClient
from app.sync.replies import PullPage, read_pull_page, read_push_reply
from domain.ids import uuid7
from domain.sync import PullResponse, PushResponse
from tests.factories import make_local_person, make_local_session, make_local_store


@pytest.fixture(autouse=True, params=["orjson", "stdlib"])
def json_library(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs with orjson and as on a phone without it."""
    if request.param == "stdlib":
        monkeypatch.setattr(fast_json, "orjson", None)
    return str(request.param)


def _row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "entity": "person",
        "id": uuid7(),
        "version": 7,
        "deleted": False,
        "data": make_local_person(first_name="Aïcha", notes='« dit "oui" »\nà rappeler'),
    }
    row.update(over)
    return row


def _page(rows: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    page: dict[str, Any] = {"protocol": 1, "schema_version": 1, "rows": rows}
    page.update({"cursor": "12.40", "has_more": True, **over})
    return page


def _as_model(raw: bytes) -> PullPage:
    return PullPage.of(PullResponse.model_validate_json(raw))


@pytest.mark.parametrize(
    "rows",
    [
        [_row(), _row(entity="contact", deleted=True, data={})],
        [{k: v for k, v in _row().items() if k != "deleted"}],  # `deleted` defaults to False
        [_row(version="8")],  # a number as text: the model converts it
        [_row(data={"count": 2**70})],  # beyond 64 bits, as the standard library reads it
        [],
    ],
)
def test_a_page_reads_as_the_model_reads_it(rows: list[dict[str, Any]]) -> None:
    raw = json.dumps(_page(rows, newer_field="ignored")).encode()
    assert read_pull_page(raw) == _as_model(raw)


@pytest.mark.parametrize(
    "page",
    [
        _page([_row(entity="invoice")]),
        _page([_row(surprise=1)]),  # rows are strict: an unknown field is refused
        _page([_row(data=["not", "an", "object"])]),
        _page([_row(version=None)]),
        _page([_row()], cursor=None),
        {"rows": [], "cursor": "1"},  # has_more missing
        ["not", "a", "page"],
    ],
)
def test_a_page_the_protocol_does_not_allow_is_refused(page: Any) -> None:
    with pytest.raises(ValidationError):
        read_pull_page(json.dumps(page).encode())


def test_a_push_answer_keeps_its_results_and_hands_over_its_page() -> None:
    answer = {
        "results": [{"op_id": "a", "outcome": "applied", "version": 3}],
        "server_hlc": "0001700000000000:0000:server",
        "pull": _page([_row()], has_more=False),
    }
    raw = json.dumps(answer).encode()
    reply = read_push_reply(raw)
    expected = PushResponse.model_validate_json(raw)
    assert reply.response == expected.model_copy(update={"pull": None})
    assert expected.pull is not None and reply.page == PullPage.of(expected.pull)
    no_page = read_push_reply(json.dumps({**answer, "pull": None}).encode())
    assert no_page.page is None and no_page.response.results == expected.results
    with pytest.raises(ValidationError):
        read_push_reply(json.dumps({**answer, "pull": {"rows": "x"}}).encode())


def test_a_malformed_page_stops_the_sync_and_keeps_the_cursor(tmp_path: Path) -> None:
    """What the phone sees: a readable error, the cursor and the rows untouched."""
    store: LocalStore = make_local_store(tmp_path)
    store.save_session(make_local_session())
    good = _page([_row()], cursor="5", has_more=True)
    bad = _page([_row(entity="invoice")], cursor="9", has_more=False)

    def serve(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/sync/pull/stream"  # both pages in one reply
        return httpx.Response(200, content=f"{json.dumps(good)}\n{json.dumps(bad)}\n".encode())

    client = SyncClient(store, "http://relais.test", transport=httpx.MockTransport(serve))
    with client, pytest.raises(ServerError, match="réponse inattendue"):
        client.sync()
    assert store.cursor() == "5" and len(store.rows("person")) == 1
    store.close()


def test_rows_are_stored_as_the_same_text_with_or_without_orjson(json_library: str) -> None:
    data = {"z": 1, "note": 'Aïcha « dit "oui" »\n\u2028', "a": [True, None], "big": 2**70}
    stored = Codec(None).encode_row("person", "id", data)
    assert stored == json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert Codec(None).decode_row("person", "id", stored) == data
