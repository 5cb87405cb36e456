"""The first path at the HTTP level: a real server process, the real local
store and sync client (no mocks), the server going away and coming back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.store import LocalStore
from app.sync.client import ServerUnreachable, SyncClient
from scripts.processes import free_port, seed_server, start_server
from tests.factories import FAST_KDF, TEST_PIN

pytestmark = pytest.mark.processes


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _console_contacts(base_url: str) -> list[dict[str, Any]]:
    login = httpx.post(
        f"{base_url}/auth/login",
        json={"username": "sophie", "password": "relais-demo", "device_name": "test"},
    ).json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    page = httpx.get(f"{base_url}/console/contacts", params={"page_size": 200}, headers=headers)
    page.raise_for_status()
    return list(page.json()["items"])


def test_offline_contacts_reach_the_supervisor_exactly_once(out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    port = free_port()
    server = start_server(db_url, out_dir, port)
    store = LocalStore(out_dir / "phone.sqlite3")
    client = SyncClient(store, server.url)
    try:
        session = client.login("amina", "relais-demo", "téléphone de test")
        store.setup_pin(TEST_PIN, FAST_KDF)  # as the app asks right after the login
        me = session.user["id"]
        server.stop()

        event = store.create(
            "event",
            {
                "type": "foot_of_building",
                "starts_at": _now(),
                "place": "Tour Descartes",
                "mediator_ids": [me],
            },
        )
        store.create(
            "contact",
            {
                "event_id": event,
                "occurred_at": _now(),
                "channel": "foot_of_building",
                "mediator_id": me,
                "age_band": "under_26",
            },
        )
        person = store.create(
            "person",
            {
                "first_name": "Yasmina",
                "last_name": "Haddad-Http",
                "declared_age": 24,
                "freins": ["mobility"],
                "info_notice_given": True,
            },
        )
        store.create(
            "contact",
            {
                "event_id": event,
                "person_id": person,
                "occurred_at": _now(),
                "channel": "foot_of_building",
                "mediator_id": me,
            },
        )
        assert store.sync_status().pending == 4

        with pytest.raises(ServerUnreachable):
            client.sync()
        assert store.sync_status().pending == 4, "a failed sync must lose nothing"

        server = start_server(db_url, out_dir, port)
        report = client.sync()
        assert report.acked == 4
        assert store.sync_status().pending == 0

        mine = [
            c for c in _console_contacts(server.url) if (c.get("event") or {}).get("id") == event
        ]
        assert len(mine) == 2
        named = [c for c in mine if c.get("person")]
        assert [c["person"]["display_name"] for c in named] == ["Yasmina HADDAD-HTTP"]
        assert {c["mediator_name"] for c in mine} == {"Amina Diallo"}

        # Restart both sides: nothing lost, nothing doubled.
        client.close()
        store.close()
        server.stop()
        server = start_server(db_url, out_dir, port)
        store = LocalStore(out_dir / "phone.sqlite3")
        store.unlock(TEST_PIN)
        with SyncClient(store, server.url) as client:
            again = client.sync()
        assert again.acked == 0
        assert len([r for r in store.rows("contact") if r.data.get("event_id") == event]) == 2
        mine = [
            c for c in _console_contacts(server.url) if (c.get("event") or {}).get("id") == event
        ]
        assert len(mine) == 2
    finally:
        client.close()
        store.close()
        server.stop()
