"""The first path, driven in Chromium as a mediator and a supervisor would.

A mediator logs in and enrols the phone; with the server stopped, starts an action
de terrain, counts an anonymous contact and logs a contact with a new person; the
server comes back, the phone syncs; the supervisor sees both contacts; both sides
survive a restart with nothing lost or doubled.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from scripts.processes import free_port, seed_server, start_app, start_server
from tests.e2e.console_steps import sign_in
from tests.e2e.ui import DESKTOP, PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def test_contact_travels_from_offline_phone_to_supervisor(browser: Browser, out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    port = free_port()
    server = start_server(db_url, out_dir, port)
    field = start_app("field", server.url, out_dir / "phone.sqlite3", out_dir)
    console = None
    try:
        phone = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        phone.see("Relais")
        phone.shot("login")
        phone.type_at_cursor("Identifiant", "amina")
        phone.fill("Mot de passe", "relais-demo")
        phone.tap("Se connecter")
        # First login: the PIN that encrypts the phone's data.
        phone.type_at_cursor("Code PIN (6 chiffres minimum)", "135790")
        phone.fill("Confirmez le code PIN", "135790")
        phone.tap("Enregistrer le code PIN")
        phone.see("Aujourd'hui")
        phone.see("Amina Diallo")
        phone.shot("today-empty")

        # The street has no network: the server goes away.
        server.stop()
        phone.tap("Démarrer une action de terrain")
        phone.see("Type d'action")
        expect(phone.chip("Pied d'immeuble")).to_be_checked()
        phone.fill("Lieu (ex. : pied de la tour B, place du marché)", "Pied de la tour Descartes")
        phone.chip("Rouher").click()
        phone.shot("new-event")
        phone.tap("Démarrer l'action")
        phone.see("Action en cours")

        phone.tap("Moins de 26 ans")
        phone.see("Contact anonyme compté.")
        phone.see(re.compile(r"1 contact\(s\)"))

        phone.tap("Nouvelle personne")
        phone.fill("Prénom *", "Yasmina")
        phone.fill("Nom", "Haddad-Testeuse")
        phone.fill("Âge", "24")
        phone.chip("Mobilité").click()
        phone.chip("Numérique").click()
        phone.page.get_by_role("checkbox", name="Notice d'information remise").click()
        phone.shot("new-person")
        phone.tap("Enregistrer")
        phone.see("Contact enregistré.")  # on Yasmina's record
        phone.page.get_by_role("tab", name="Aujourd'hui").click()
        phone.see("Yasmina HADDAD-TESTEUSE")
        expect(phone.page.get_by_text("En attente de synchronisation", exact=True)).to_have_count(2)
        # The entries made, not the ops behind them.
        phone.see("2 contacts, 1 personne, 1 action en attente de synchronisation")
        phone.shot("offline-waiting")

        phone.tap("Synchroniser")
        phone.see(re.compile("Serveur injoignable"))
        phone.see("Hors ligne", timeout=5000)
        phone.shot("offline-sync-attempt")

        # Back in range: the server returns on the same address; the phone syncs.
        server = start_server(db_url, out_dir, port)
        phone.tap("Synchroniser")
        phone.see("Tout est synchronisé", timeout=30_000)
        expect(phone.page.get_by_text("Synchronisé", exact=True)).to_have_count(2)
        phone.shot("synced")

        console = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
        desk = Ui.open(browser, console.url, out_dir / "console", DESKTOP)
        sign_in(desk, "sophie", "relais-demo")
        desk.see("Yasmina HADDAD-TESTEUSE")
        desk.see("Anonyme · Moins de 26 ans")
        expect(desk.page.get_by_text("Pied d'immeuble · Pied de la tour Descartes")).to_have_count(
            2
        )
        expect(desk.page.get_by_text("Amina Diallo")).not_to_have_count(0)
        desk.shot("console-contacts")

        # Both sides restart: nothing lost, nothing doubled.
        field.stop()
        server.stop()
        server = start_server(db_url, out_dir, port)
        field = start_app("field", server.url, out_dir / "phone.sqlite3", out_dir)
        phone.goto(field.url)
        phone.type_at_cursor("Code PIN", "135790")
        phone.tap("Déverrouiller")
        phone.see("Aujourd'hui")
        expect(phone.page.get_by_text("Synchronisé", exact=True)).to_have_count(2)
        phone.see("Yasmina HADDAD-TESTEUSE")
        phone.tap("Synchroniser")
        phone.see("Tout est synchronisé", timeout=30_000)
        expect(phone.page.get_by_text("Yasmina HADDAD-TESTEUSE")).to_have_count(1)
        phone.shot("after-restart")

        desk.tap("Actualiser")
        expect(desk.page.get_by_text("Yasmina HADDAD-TESTEUSE")).to_have_count(1)
        desk.shot("console-after-restart")
    finally:
        for proc in (console, field, server):
            if proc is not None:
                proc.stop()
