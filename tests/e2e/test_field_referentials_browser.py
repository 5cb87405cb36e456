"""A partner an admin adds while Amina is signed in reaches her phone with her next
sync, with its thématiques, and she orients a person to it (Chromium, 412×915)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlmodel import Session, select

from scripts.processes import seed_server, start_app, start_server
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.models import Record
from tests.e2e.field_steps import login, open_person, pending_on_phone, sync
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

GARAGE = "Garage solidaire du Plateau"


def _admin_adds_partner(server_url: str) -> None:
    """What the console's Administration → Référentiels sends."""
    with httpx.Client(base_url=server_url, timeout=10) as http:
        login = http.post(
            "/auth/login",
            json={"username": "admin", "password": "relais-demo", "device_name": "console"},
        )
        login.raise_for_status()
        reply = http.post(
            "/admin/partners",
            json={"name": GARAGE, "type": "association", "themes": ["mobilité", "permis B"]},
            headers={"Authorization": f"Bearer {login.json()['token']}"},
        )
        assert reply.status_code == 201, reply.text


def test_a_partner_added_in_the_console_reaches_a_signed_in_phone(
    browser: Browser, out_dir: Path
) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    phone_db = out_dir / "phone.sqlite3"
    field = start_app("field", server.url, phone_db, out_dir)
    try:
        ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        login(ui, "amina")
        sync(ui)
        _admin_adds_partner(server.url)
        sync(ui)  # nothing to send or receive: the referentials come with it

        open_person(ui, "benyahia", "Mohamed BENYAHIA")
        ui.tap("Orienter")
        ui.chip(GARAGE).click()
        # The partner's own thématiques, to choose from.
        ui.chip("permis B").click()
        assert ui.whole_screen_small_or_unnamed() == []
        ui.page.mouse.move(200, 500)
        ui.page.mouse.wheel(0, 600)
        ui.shot("orientation-to-the-new-partner")
        ui.tap("Enregistrer")
        ui.see("Orientation enregistrée.")
        ui.see(f"Orientation vers {GARAGE}")

        ui.page.get_by_role("tab", name="Aujourd'hui").click()
        sync(ui)
        assert pending_on_phone(phone_db) == 0
        engine = make_engine(Settings(database_url=db_url))
        try:
            with Session(engine) as session:
                rows = session.exec(select(Record).where(Record.entity == "orientation")).all()
                themes = [r.data.get("theme") for r in rows if r.data.get("theme") == "permis B"]
        finally:
            engine.dispose()
        assert themes == ["permis B"]
    finally:
        field.stop()
        server.stop()
