"""A revoked device pushes what it logged before revocation, then wipes itself
(docs/architecture.md §4.2)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.store import LocalStore
from app.sync import SyncClient
from app.sync.errors import DeviceRevoked
from domain.hlc import wall_ms
from sync_server.crud.users import revoke_device
from sync_server.models import Device, Record
from tests.factories import PASSWORD, hlc_at, make_locked_store, op, person_values
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
    record = session.get(Record, person_id)
    assert record is not None and record.data["last_name"] == "Quintessence"
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
    before = op("person", person_values(), hlc=hlc_at(wall_ms() - 60_000))
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
    assert [r["outcome"] for r in body["results"]] == ["rejected", "applied"]
    assert "révocation" in body["results"][0]["reason"]
    session.expire_all()
    assert session.get(Record, after["row_id"]) is None
    assert session.get(Record, before["row_id"]) is not None


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
