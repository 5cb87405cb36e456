"""A revoked device pushes what it logged before revocation, then wipes itself
(docs/architecture.md §4.2)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.console.state.api import ConsoleApi
from app.console.state.review_state import ConflictsState
from app.store import LocalStore
from app.sync import SyncClient
from app.sync.errors import DeviceRevoked
from domain.hlc import wall_ms
from sync_server.crud.users import revoke_device
from sync_server.models import AuditEvent, Device, HeldOp, Record
from sync_server.sync.held_ops import HELD_REASON
from sync_server.sync.push import BEFORE_DEVICE_OP, REVOKED_LATE_OP
from tests.factories import (
    PASSWORD,
    hlc_at,
    make_followed_person,
    make_locked_store,
    make_record,
    op,
    person_values,
)
from tests.server.conftest import World


class _Through(httpx.BaseTransport):
    """Routes the phone's httpx requests into the in-process TestClient (own httpx copy)."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self._client.request(
            request.method,
            request.url.raw_path.decode(),
            content=request.read(),
            headers=dict(request.headers),
        )
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)


def _revoke(session: Session, device_id: str, *, days_ago: int = 0) -> None:
    device = session.get(Device, device_id)
    assert device is not None
    revoke_device(session=session, device=device)
    if days_ago:
        device.revoked_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
        session.add(device)
    session.commit()


def test_revoked_phone_pushes_its_ops_then_its_file_is_gone(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    store = make_locked_store(tmp_path)
    phone = SyncClient(store, "http://testserver", transport=_Through(client))
    login = phone.login(world.amina.user.username, PASSWORD, "téléphone perdu")
    person_id = store.create("person", {"first_name": "Zébulon", "last_name": "Quintessence"})
    time.sleep(0.01)  # ops strictly before the revocation instant
    _revoke(session, login.device_id)

    with pytest.raises(DeviceRevoked, match=r"révoqué.*effacées"):
        phone.sync()

    session.expire_all()
    # Held for a supervisor, not applied by itself; nothing stays on the phone.
    assert session.get(Record, person_id) is None
    [held] = client.get("/console/held-ops", headers=world.sophie.headers).json()
    assert held["row_id"] == person_id and held["author"] == world.amina.user.display_name
    assert {c["field"]: c["proposed"] for c in held["changes"]}["last_name"] == "Quintessence"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("relais.sqlite3")]
    # Everything else is refused with a code the app understands.
    pulled = client.get("/sync/pull", headers={"Authorization": f"Bearer {login.token}"})
    assert pulled.status_code == 401
    assert pulled.json()["code"] == "device_revoked"
    assert "révoqué" in pulled.json()["detail"]


def test_revoked_device_ops_after_revocation_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    _revoke(session, world.amina.device.id)
    before = op("person", person_values(), hlc=hlc_at(wall_ms() - 20_000))
    after = op("person", person_values(), hlc=hlc_at(wall_ms() + 1_000))
    res = client.post(
        "/sync/push",
        params={"then_pull": "true"},  # a revoked device gets no page with its answer
        json={"ops": [after, before]},
        headers=world.amina.headers,
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["device_revoked"] is True and "pull" not in body
    assert [r["outcome"] for r in body["results"]] == ["rejected", "rejected"]
    assert [r["reason"] for r in body["results"]] == [REVOKED_LATE_OP, HELD_REASON]
    session.expire_all()
    assert session.get(Record, after["row_id"]) is None
    assert session.get(Record, before["row_id"]) is None
    [held] = client.get("/console/held-ops", headers=world.sophie.headers).json()
    assert held["op_id"] == before["op_id"]


def test_device_revoked_long_ago_cannot_push(
    client: TestClient, session: Session, world: World
) -> None:
    _revoke(session, world.amina.device.id, days_ago=31)
    ops = [op("person", person_values(), hlc=hlc_at(wall_ms() - 40 * 24 * 3600 * 1000))]
    res = client.post("/sync/push", json={"ops": ops}, headers=world.amina.headers)
    assert res.status_code == 401
    assert res.json() == {"detail": res.json()["detail"], "code": "device_revoked"}


def test_active_device_push_says_not_revoked(client: TestClient, world: World) -> None:
    res = client.post(
        "/sync/push", json={"ops": [op("person", person_values())]}, headers=world.amina.headers
    )
    assert res.status_code == 200 and res.json()["device_revoked"] is False


def test_plain_store_also_wiped(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "plain.sqlite3")
    phone = SyncClient(store, "http://testserver", transport=_Through(client))
    login = phone.login(world.karim.user.username, PASSWORD, "vieux téléphone")
    _revoke(session, login.device_id)
    with pytest.raises(DeviceRevoked):
        phone.sync()
    assert not (tmp_path / "plain.sqlite3").exists()


def test_a_back_dated_clock_cannot_slip_ops_in(
    client: TestClient, session: Session, world: World
) -> None:
    """With a revoked token and its clock an hour back (before its own enrolment), a
    device deleting another mediator's person and creating one is refused outright."""
    victim, version = make_record(
        session, login=world.karim, entity="person", values=person_values()
    )
    _revoke(session, world.amina.device.id)
    back = hlc_at(wall_ms() - 3_600_000)
    delete = op("person", {"deleted": True}, row_id=victim, base_version=version, hlc=back)
    create = op("person", person_values(first_name="Intruse"), hlc=back)
    res = client.post("/sync/push", json={"ops": [delete, create]}, headers=world.amina.headers)
    assert res.status_code == 200, res.text
    assert [r["reason"] for r in res.json()["results"]] == [BEFORE_DEVICE_OP] * 2
    session.expire_all()
    stored = session.get(Record, victim)
    assert stored is not None and not stored.deleted
    assert session.get(Record, create["row_id"]) is None
    assert client.get("/console/held-ops", headers=world.sophie.headers).json() == []


def test_a_supervisor_accepts_or_discards_held_ops_and_it_is_journaled(
    client: TestClient, session: Session, world: World
) -> None:
    victim, version = make_record(
        session, login=world.karim, entity="person", values=person_values()
    )
    _revoke(session, world.amina.device.id)
    before = hlc_at(wall_ms() - 5_000)
    delete = op("person", {"deleted": True}, row_id=victim, base_version=version, hlc=before)
    create = op("person", person_values(first_name="Tardive"), hlc=before)
    res = client.post("/sync/push", json={"ops": [delete, create]}, headers=world.amina.headers)
    assert [r["reason"] for r in res.json()["results"]] == [HELD_REASON] * 2
    # Sent again: still held once, not twice.
    client.post("/sync/push", json={"ops": [delete, create]}, headers=world.amina.headers)
    assert client.get("/console/held-ops", headers=world.amina.headers).status_code == 401
    listed = client.get("/console/held-ops", headers=world.sophie.headers).json()
    assert [h["op_id"] for h in listed] == [delete["op_id"], create["op_id"]]
    assert listed[0]["changes"] == [{"field": "deleted", "current": None, "proposed": True}]
    assert listed[0]["row_exists"] is True and listed[1]["row_exists"] is False
    # Another cité's supervisor cannot decide; the mediator of the other cité neither.
    other = client.post(f"/console/held-ops/{create['op_id']}/accept", headers=world.other.headers)
    assert other.status_code in (403, 404)

    discard = client.post(
        f"/console/held-ops/{delete['op_id']}/discard", headers=world.sophie.headers
    )
    assert discard.status_code == 200, discard.text
    assert discard.json()["decision"] == "discarded"
    accept = client.post(
        f"/console/held-ops/{create['op_id']}/accept", headers=world.sophie.headers
    )
    assert accept.status_code == 200, accept.text
    assert accept.json()["outcome"] == "applied"
    again = client.post(f"/console/held-ops/{create['op_id']}/accept", headers=world.sophie.headers)
    assert again.status_code == 409

    session.expire_all()
    kept = session.get(Record, victim)
    assert kept is not None and not kept.deleted
    created = session.get(Record, create["row_id"])
    assert created is not None and created.data["first_name"] == "Tardive"
    assert created.created_by == world.amina.user.id  # its author, not the supervisor
    assert client.get("/console/held-ops", headers=world.sophie.headers).json() == []
    actions = set(session.exec(select(AuditEvent.action)).all())
    assert {"held_ops.list", "held_op.accept", "held_op.discard"} <= actions


def test_an_erasure_forgets_held_ops_on_the_person(
    client: TestClient, session: Session, world: World
) -> None:
    ids = make_followed_person(session, login=world.karim, partner_id=world.partner_id)
    _revoke(session, world.amina.device.id)
    edit = op(
        "person",
        {"email": "secret.tardif@example.org"},
        row_id=ids["person"],
        base_version=1,
        hlc=hlc_at(wall_ms() - 5_000),
    )
    client.post("/sync/push", json={"ops": [edit]}, headers=world.amina.headers)
    res = client.post(
        f"/console/persons/{ids['person']}/erase",
        json={"reason": "demande"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    session.expire_all()
    assert session.exec(select(HeldOp)).all() == []


def test_the_console_lists_held_entries_and_applies_one(
    client: TestClient, session: Session, world: World
) -> None:
    """The supervisor's console (its state, over HTTP to the real app) shows what a held
    entry would change and applies or discards it."""
    _revoke(session, world.amina.device.id)
    before = hlc_at(wall_ms() - 5_000)
    kept = op("person", person_values(first_name="Gardée"), hlc=before)
    dropped = op("person", person_values(first_name="Écartée"), hlc=before)
    client.post("/sync/push", json={"ops": [kept, dropped]}, headers=world.amina.headers)
    api = ConsoleApi("http://testserver", world.sophie.token, _Through(client))
    state = ConflictsState(api=api)
    asyncio.run(state.load())
    assert [h.op_id for h in state.held] == [kept["op_id"], dropped["op_id"]]
    first = {c.field: c for c in state.held[0].changes}["first_name"]
    assert (first.current, first.proposed) == (None, "Gardée")
    asyncio.run(state.decide_held(state.held[0], True))
    assert state.notice and "appliquée" in state.notice
    asyncio.run(state.decide_held(state.held[0], False))
    assert state.notice and "écartée" in state.notice and state.held == []
    session.expire_all()
    assert session.get(Record, kept["row_id"]) is not None
    assert session.get(Record, dropped["row_id"]) is None


def test_a_revoked_device_s_unstorable_text_is_refused_not_held(
    client: TestClient, session: Session, world: World
) -> None:
    """A held op keeps its values until a supervisor decides: text no database stores
    (NUL, a lone surrogate) is refused with its reason, the other ops are held."""
    _revoke(session, world.amina.device.id)
    at = hlc_at(wall_ms() - 20_000)
    bad = [
        op("person", person_values(first_name="Aï\u0000cha"), hlc=at),
        op("person", person_values(last_name="N\ud800D"), hlc=at),
    ]
    good = op("person", person_values(), hlc=at)
    body = json.dumps({"ops": [*bad, good]}, ensure_ascii=True)
    headers = {**world.amina.headers, "content-type": "application/json"}
    res = client.post("/sync/push", content=body, headers=headers)
    assert res.status_code == 200, res.text[:300]
    results = res.json()["results"]
    assert [r["outcome"] for r in results] == ["rejected", "rejected", "rejected"]
    assert ["interdit" in r["reason"] for r in results] == [True, True, False]
    assert results[2]["reason"] == HELD_REASON
    [held] = client.get("/console/held-ops", headers=world.sophie.headers).json()
    assert held["op_id"] == good["op_id"]
