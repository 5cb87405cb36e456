"""The review loop on the server: a contact sent back "à corriger" and corrected by
the mediator goes back to "reçu", on the bulk push path and on the op-by-op one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from sync_server.models import Record
from tests.factories import DeviceLogin, contact_values, op
from tests.server.conftest import World


@pytest.fixture(params=["bulk", "op_by_op"])
def push_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """`op_by_op`: the bulk attempt fails as on a database error, forcing the fallback."""
    if request.param == "op_by_op":

        def failing_bulk(*_a: Any, **_k: Any) -> Any:
            raise OperationalError("bulk push", {}, Exception("forced for the test"))

        monkeypatch.setattr("sync_server.sync.push.push_bulk", failing_bulk)
    return str(request.param)


def _push(client: TestClient, login: DeviceLogin, the_op: dict[str, Any]) -> dict[str, Any]:
    res = client.post("/sync/push", json={"ops": [the_op]}, headers=login.headers)
    assert res.status_code == 200, res.text
    [result] = res.json()["results"]
    assert result["outcome"] != "rejected", result
    return dict(result)


def _review(client: TestClient, world: World, contact_id: str, state: str) -> int:
    body: dict[str, Any] = {"state": state}
    if state == "to_fix":
        body["comment"] = "Préciser le besoin : quel métier ?"
    res = client.post(
        f"/console/contacts/{contact_id}/review", json=body, headers=world.sophie.headers
    )
    assert res.status_code == 200, res.text
    return int(res.json()["version"])


def _stored(session: Session, contact_id: str) -> dict[str, Any]:
    session.rollback()  # end the test's read snapshot
    row = session.get(Record, contact_id)
    assert row is not None
    return dict(row.data)


def _queue(client: TestClient, world: World) -> set[str]:
    res = client.get(
        "/console/contacts", params={"review_state": "received"}, headers=world.sophie.headers
    )
    assert res.status_code == 200, res.text
    return {item["id"] for item in res.json()["items"]}


def _sent_back(client: TestClient, world: World) -> tuple[str, int]:
    created = op("contact", contact_values(world.amina.user.id, need="Un travail"))
    _push(client, world.amina, created)
    version = _review(client, world, created["row_id"], "to_fix")
    assert created["row_id"] not in _queue(client, world)
    return created["row_id"], version


def test_a_correction_puts_the_contact_back_in_the_queue(
    client: TestClient, session: Session, world: World, push_path: str
) -> None:
    contact_id, seen = _sent_back(client, world)
    fix = op("contact", {"need": "Cariste en intérim"}, row_id=contact_id, base_version=seen)
    result = _push(client, world.amina, fix)
    data = _stored(session, contact_id)
    assert data["review_state"] == "received", push_path
    assert data["need"] == "Cariste en intérim"
    assert data["review_comment"] == "Préciser le besoin : quel métier ?"  # kept for context
    assert contact_id in _queue(client, world)
    # A replay of the correction changes nothing more.
    again = _push(client, world.amina, fix)
    assert again["outcome"] == "duplicate" and again["version"] == result["version"]


def test_an_edit_made_before_the_review_leaves_it_to_fix(
    client: TestClient, session: Session, world: World, push_path: str
) -> None:
    contact_id, seen = _sent_back(client, world)
    # Edited offline before the phone pulled the "à corriger": not an answer to it.
    stale = op("contact", {"note": "Vu au marché"}, row_id=contact_id, base_version=seen - 1)
    _push(client, world.amina, stale)
    data = _stored(session, contact_id)
    assert data["note"] == "Vu au marché"
    assert data["review_state"] == "to_fix", push_path


def test_a_review_op_and_other_states_are_left_alone(
    client: TestClient, session: Session, world: World, push_path: str
) -> None:
    contact_id, _ = _sent_back(client, world)
    validated = _review(client, world, contact_id, "validated")
    edit = op("contact", {"need": "Cariste"}, row_id=contact_id, base_version=validated)
    _push(client, world.amina, edit)
    assert _stored(session, contact_id)["review_state"] == "validated", push_path


def test_a_new_contact_is_received_on_both_paths(
    client: TestClient, session: Session, world: World, push_path: str
) -> None:
    created = op("contact", contact_values(world.amina.user.id))
    _push(client, world.amina, created)
    assert _stored(session, created["row_id"])["review_state"] == "received", push_path
