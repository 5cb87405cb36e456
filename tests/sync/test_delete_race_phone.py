"""A person deleted on one phone while a colleague's phone edits it offline: the
colleague's phone is told at its sync, the edit reaches the supervisor's « Conflits »,
and restoring the person brings it back to both phones with the edit. Real server
process; the phones are FieldState on real store files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from app.config import AppConfig
from app.field.state.field_state import FieldState
from tests.sync.conftest import LiveServer, login_token

pytestmark = pytest.mark.processes

PHONE = "06 45 67 89 01"


def _phone(live_server: LiveServer, tmp_path: Path, username: str) -> FieldState:
    config = AppConfig(
        server_url=live_server.url, db_path=tmp_path / f"{username}.sqlite3", mode="field"
    )
    state = FieldState.open(config)
    assert asyncio.run(state.login(username, "relais-demo"))
    return state


def test_an_offline_edit_of_a_person_a_colleague_deleted_is_said_and_can_be_restored(
    live_server: LiveServer, tmp_path: Path
) -> None:
    amina = _phone(live_server, tmp_path, "amina")
    karim = _phone(live_server, tmp_path, "karim")
    try:
        person = amina.store.create("person", {"first_name": "Zoé", "last_name": "Marchetti"})
        assert asyncio.run(amina.sync())
        assert asyncio.run(karim.sync())
        assert karim.store.get("person", person) is not None

        karim.store.update("person", person, {"phone": PHONE})  # offline
        amina.store.delete("person", person)
        assert asyncio.run(amina.sync())
        assert asyncio.run(karim.sync())
        assert karim.notice is not None and "1 en conflit avec un·e collègue" in karim.notice
        gone = karim.store.get("person", person)
        assert gone is None or gone.deleted

        token = login_token(live_server.url, "sophie")
        headers = {"Authorization": f"Bearer {token}"}
        conflicts = httpx.get(f"{live_server.url}/console/conflicts", headers=headers).json()
        [conflict] = [c for c in conflicts if c["row_id"] == person]
        assert conflict["field"] == "deleted"
        res = httpx.post(
            f"{live_server.url}/console/conflicts/{conflict['id']}/resolve",
            json={"choice": "incoming"},
            headers=headers,
        )
        assert res.status_code == 200, res.text

        for phone in (amina, karim):
            assert asyncio.run(phone.sync())
            back = phone.store.get("person", person)
            assert back is not None and not back.deleted
            assert back.data["phone"] == PHONE
    finally:
        for phone in (amina, karim):
            phone.client.close()
            phone.store.close()
