"""Login throttling and session expiry (docs/architecture.md §4.1), stored in the database."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from sync_server.api.deps import _seen
from sync_server.core.settings import Settings
from sync_server.crud import login_throttle
from sync_server.main import create_app
from sync_server.models import Cite, Device, utcnow
from tests.factories import PASSWORD, make_user
from tests.server.conftest import World


def login(client: TestClient, username: str, password: str, device_name: str = "téléphone") -> Any:
    return client.post(
        "/auth/login",
        json={"username": username, "password": password, "device_name": device_name},
    )


def test_five_failures_lock_the_username_with_a_readable_429(
    client: TestClient, world: World
) -> None:
    for _ in range(5):
        assert login(client, "amina", "mauvais").status_code == 401
    locked = login(client, "amina", PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert "Trop de tentatives" in locked.json()["detail"]
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    # Another account from another address is not affected.
    other = TestClient(client.app, client=("10.0.0.9", 5000))
    assert login(other, "karim", PASSWORD).status_code == 200


def test_limit_holds_across_server_instances(
    settings: Settings, client: TestClient, world: World
) -> None:
    for _ in range(3):
        assert login(client, "amina", "mauvais").status_code == 401
    with TestClient(create_app(settings)) as second:
        for _ in range(2):
            assert login(second, "amina", "mauvais").status_code == 401
        assert login(second, "amina", PASSWORD).status_code == 429
    assert login(client, "amina", PASSWORD).status_code == 429


def test_success_resets_the_username_counter(client: TestClient, world: World) -> None:
    for _ in range(4):
        assert login(client, "amina", "mauvais").status_code == 401
    assert login(client, "amina", PASSWORD).status_code == 200
    # From another address (the first one keeps its own count): the username starts over.
    elsewhere = TestClient(client.app, client=("10.0.0.7", 5000))
    for _ in range(4):
        assert login(elsewhere, "amina", "mauvais").status_code == 401
    assert login(elsewhere, "amina", PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_limited(client: TestClient, world: World) -> None:
    for name in ("amina", "karim", "sophie", "bruno", "nobody"):
        assert login(client, name, "mauvais").status_code == 401
    assert login(client, "karim", PASSWORD).status_code == 429


def test_failures_leave_the_window(session: Session, world: World) -> None:
    start = utcnow()
    for i in range(5):
        login_throttle.record_failure(
            session, username="amina", client_ip="1.2.3.4", now=start + dt.timedelta(minutes=i)
        )
    session.commit()
    window = dt.timedelta(minutes=15)

    def wait(at: dt.datetime) -> int | None:
        return login_throttle.retry_after_seconds(
            session, username="Amina ", client_ip=None, now=at, max_failures=5, window=window
        )

    assert wait(start + dt.timedelta(minutes=5)) == 10 * 60
    assert wait(start + dt.timedelta(minutes=15, seconds=1)) is None


def _age(session: Session, device_id: str, idle: dt.timedelta) -> None:
    device = session.get(Device, device_id)
    assert device is not None
    device.last_seen_at = utcnow() - idle
    session.add(device)
    session.commit()


def test_browser_session_expires_after_12_hours_idle(
    client: TestClient, session: Session, world: World
) -> None:
    res = login(client, "sophie", PASSWORD, device_name="console")
    token, device_id = res.json()["token"], res.json()["device_id"]
    headers = {"Authorization": f"Bearer {token}"}
    _age(session, device_id, dt.timedelta(hours=11))
    assert client.get("/referentials", headers=headers).status_code == 200  # slides
    _age(session, device_id, dt.timedelta(hours=12, minutes=5))
    expired = client.get("/referentials", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["detail"] == "Session expirée : reconnectez-vous."


def test_phone_session_lasts_30_days_idle(
    client: TestClient, session: Session, world: World
) -> None:
    res = login(client, "amina", PASSWORD, device_name="Téléphone d'Amina")
    token, device_id = res.json()["token"], res.json()["device_id"]
    headers = {"Authorization": f"Bearer {token}"}
    _age(session, device_id, dt.timedelta(days=29))
    assert client.get("/referentials", headers=headers).status_code == 200
    _age(session, device_id, dt.timedelta(days=31))
    assert client.get("/referentials", headers=headers).status_code == 401


def test_last_seen_update_waits_for_other_writers(engine: Engine, world: World) -> None:
    """A device's first request writes last_seen_at after reading the device. On SQLite
    that read transaction, once another writer has committed, cannot become a write
    ("database is locked" at once, a 500): the write must start afresh and wait."""
    with Session(engine, expire_on_commit=False) as reader, Session(engine) as writer:
        device = reader.get(Device, world.amina.device.id)  # the read transaction is open
        assert device is not None and device.last_seen_at is None
        other = writer.get(Device, world.karim.device.id)
        assert other is not None
        other.name = "autre téléphone"
        writer.add(other)
        writer.commit()
        assert _seen(reader, device).last_seen_at is not None
    with Session(engine) as check:
        stored = check.get(Device, world.amina.device.id)
        assert stored is not None and stored.last_seen_at is not None


def test_the_limit_holds_under_concurrent_guesses(client: TestClient, world: World) -> None:
    """Twenty wrong passwords at once: at most five are evaluated, the rest wait (429);
    none fails on the database."""
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(lambda _: login(client, "amina", "mauvais").status_code, range(20)))
    assert codes.count(401) <= 5, codes
    assert set(codes) <= {401, 429}, codes


def test_concurrent_logins_of_different_users_all_succeed(
    session: Session, client: TestClient, world: World
) -> None:
    """A room of mediators behind one address logging in at once."""
    cite = session.get(Cite, world.cite_id)
    assert cite is not None
    names = [make_user(session, cite=cite).username for _ in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda n: login(client, n, PASSWORD).status_code, names))
    assert codes == [200] * 12, codes


def test_enrol_codes_cannot_be_guessed_without_limit(client: TestClient, world: World) -> None:
    body = {"code": "ZZZZ-ZZZZ", "device_name": "téléphone"}
    codes = [client.post("/auth/enrol", json=body).status_code for _ in range(7)]
    assert codes[-1] == 429, codes
    assert "Trop de codes" in client.post("/auth/enrol", json=body).json()["detail"]
