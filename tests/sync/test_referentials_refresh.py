"""Referentials an admin changes reach a signed-in phone with its next sync, not only at
its next sign-in. Real server process; the phone is FieldState on a real store file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from app.config import AppConfig
from app.field.state.field_state import FieldState
from tests.sync.conftest import LiveServer, login_token

pytestmark = pytest.mark.processes


def _admin(live_server: LiveServer, method: str, path: str, body: dict[str, object]) -> None:
    token = login_token(live_server.url, "admin")
    reply = httpx.request(
        method,
        f"{live_server.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code in (200, 201), reply.text


def test_a_partner_qpv_and_colleague_added_reach_the_phone_at_its_next_sync(
    live_server: LiveServer, tmp_path: Path
) -> None:
    config = AppConfig(server_url=live_server.url, db_path=tmp_path / "phone.sqlite3", mode="field")
    state = FieldState.open(config)
    try:
        assert asyncio.run(state.login("amina", "relais-demo"))
        assert state.referentials is not None
        names = {p.name for p in state.referentials.partners}
        assert "Garage solidaire du Plateau" not in names
        # The demo's partners come with their thématiques.
        ft_creil = next(p for p in state.referentials.partners if p.name == "France Travail Creil")
        assert state.pathways.partner_themes(ft_creil.id) == ["emploi", "inscription"]

        _admin(
            live_server,
            "POST",
            "/admin/partners",
            {"name": "Garage solidaire du Plateau", "type": "association", "themes": ["mobilité"]},
        )
        _admin(live_server, "PUT", "/admin/qpvs", {"code": "QN0609999", "name": "Les Tilleuls"})
        _admin(
            live_server,
            "POST",
            "/admin/users",
            {
                "username": "nadia",
                "display_name": "Nadia Ferhat",
                "role": "mediator",
                "password": "relais-demo-nadia",
            },
        )
        # Nothing was pushed or pulled for it: a sync alone brings the referentials.
        assert asyncio.run(state.sync())
        refs = state.referentials
        assert refs is not None
        garage = next(p for p in refs.partners if p.name == "Garage solidaire du Plateau")
        assert state.pathways.partner_themes(garage.id) == ["mobilité"]
        assert ("QN0609999", "Les Tilleuls") in {(q.code, q.name) for q in refs.qpvs}
        assert "Nadia Ferhat" in {m.display_name for m in refs.members}
        # Kept on the phone for the next start offline.
        assert state.store.referentials() == refs
    finally:
        state.client.close()
        state.store.close()
