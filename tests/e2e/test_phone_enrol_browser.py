"""A phone that was never enrolled, as a packaged app starts it (no RELAIS_* setting,
its data in Flet's app-data folder), enrols with a code the admin generates in the
console and the server's address typed once, then syncs."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, expect

from app.store import LocalStore
from domain.enrol import PLAIN_HTTP
from scripts.processes import free_port, seed_server, start_app, start_phone_app, start_server
from tests.e2e.console_steps import sign_in
from tests.e2e.ui import DESKTOP, PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def _server_contacts(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute("SELECT count(*) FROM record WHERE entity = 'contact'").fetchone()[0]
        )


def test_a_new_phone_enrols_with_a_console_code_and_the_address_typed_once(
    browser: Browser, out_dir: Path
) -> None:
    db = out_dir / "server.sqlite3"
    seed_server(f"sqlite:///{db}")
    server = start_server(f"sqlite:///{db}", out_dir, free_port())
    console = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
    app_data = out_dir / "app-data"
    app_data.mkdir()
    field = start_phone_app(app_data, out_dir)
    contacts_before = _server_contacts(db)

    # The admin generates a one-time code for Amina (Administration › Appareils).
    admin = Ui.open(browser, console.url, out_dir / "console", DESKTOP)
    sign_in(admin, "admin", "relais-demo")
    admin.section("Administration")
    admin.page.get_by_role("button", name="Appareils").nth(1).click()  # Amina
    admin.see("Appareils de Amina Diallo")
    admin.tap("Générer un code d'enrôlement")
    shown = admin.see(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$"))
    shown.scroll_into_view_if_needed()
    code = shown.inner_text().strip()
    admin.shot("enrol-code")

    # The phone knows no server: it asks for the address.
    phone = Ui.open(browser, field.url, out_dir / "phone", PHONE)
    phone.see("Adresse du serveur")
    phone.shot("never-enrolled")
    phone.tap("J'ai un code d'enrôlement")
    phone.type_at_cursor("Code d'enrôlement", code)
    # An address that would carry people's data unencrypted is refused, in French.
    phone.fill("Adresse du serveur", "http://relais.exemple.fr")
    phone.tap("Enrôler ce téléphone")
    phone.see(PLAIN_HTTP)
    phone.shot("plain-http-refused")
    phone.fill("Adresse du serveur", server.url)
    phone.tap("Enrôler ce téléphone")
    phone.see("Choisissez un code PIN")
    phone.type_at_cursor("Code PIN (6 chiffres minimum)", "135790")
    phone.fill("Confirmez le code PIN", "135790")
    phone.tap("Enregistrer le code PIN")
    phone.see("Aujourd'hui")
    phone.see("Amina Diallo")
    phone.shot("enrolled")

    # A first contact, synced to the server the phone was enrolled on.
    phone.tap("Démarrer une action de terrain")
    phone.see("Type d'action")
    phone.tap("Démarrer l'action")
    phone.see("Action en cours")
    phone.tap("Moins de 26 ans")
    phone.see("Contact anonyme compté.")
    phone.tap("Synchroniser")
    phone.see("Tout est synchronisé", timeout=30_000)
    expect(phone.page.get_by_text("Synchronisé", exact=True)).not_to_have_count(0)
    phone.shot("synced")
    assert _server_contacts(db) == contacts_before + 1

    # All of it in the app-data folder: the server it belongs to, nothing left to send.
    field.stop()
    store = LocalStore(app_data / "relais-phone.sqlite3")
    store.unlock("135790")
    assert store.server_url() == server.url
    assert store.pending_count() == 0
    store.close()

    # A second phone opened from the QR code's link (the OS hands `relais://enrol?…` to
    # the app, which starts at a route with its query): nothing to type.
    admin.tap("Générer un code d'enrôlement")
    expect(admin.page.get_by_text(code, exact=True)).to_have_count(0)
    second_code = admin.see(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$")).inner_text().strip()
    other_data = out_dir / "app-data-2"
    other_data.mkdir()
    second = start_phone_app(other_data, out_dir / "second")
    link = urlencode({"server": server.url, "code": second_code})
    phone2 = Ui.open(browser, f"{second.url}/?{link}", out_dir / "phone-2", PHONE)
    expect(phone2.page.get_by_role("textbox", name="Code d'enrôlement")).to_have_value(
        re.compile(re.escape(second_code))
    )
    phone2.shot("opened-from-link")
    phone2.tap("Enrôler ce téléphone")
    phone2.see("Choisissez un code PIN")
    phone2.shot("enrolled-from-link")
