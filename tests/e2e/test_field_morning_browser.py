"""A full morning at a pied d'immeuble, driven in Chromium as a mediator would.

Amina logs in on the seeded demo server, syncs to get her colleagues' persons,
starts an action, counts ten passers-by, logs three identified persons (one of whom
Karim already met: she picks him from the "déjà rencontré ?" list), orients him, and
syncs. The tally, his pathway (Karim's history + today) and an empty outbox follow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from scripts.processes import seed_server, start_app, start_server
from tests.e2e.field_steps import (
    go,
    login,
    open_person,
    pending_on_phone,
    server_contact_authors,
    sync,
)
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

BANDS = ["Moins de 26 ans", "26–49 ans", "50 ans et plus"]


def _new_person(ui: Ui, first: str, last: str, age: str) -> None:
    go(ui, "Aujourd'hui")  # saving a person lands on her record
    ui.tap("Nouvelle personne")
    ui.fill("Prénom *", first)
    ui.fill("Nom", last)
    ui.fill("Âge", age)
    ui.chip("Mobilité").click()
    ui.page.get_by_role("checkbox", name="Notice d'information remise").click()
    ui.tap("Enregistrer")


def test_a_morning_at_the_foot_of_a_building(browser: Browser, out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    phone_db = out_dir / "phone.sqlite3"
    field = start_app("field", server.url, phone_db, out_dir)
    try:
        ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        login(ui, "amina")
        sync(ui)  # colleagues' persons and history arrive
        ui.shot("today-after-first-sync")
        assert ui.small_or_unnamed_controls() == []  # 48 px targets, every one named

        ui.tap("Démarrer une action de terrain")
        ui.fill("Lieu (ex. : pied de la tour B, place du marché)", "Tour Descartes")
        ui.chip("Rouher").click()
        ui.chip("Karim Benali").click()  # a colleague came too
        ui.tap("Démarrer l'action")
        ui.see("Action en cours")
        ui.see("Avec Karim Benali")

        for n in range(1, 11):
            ui.tap(BANDS[n % 3])
            ui.see(re.compile(rf"· {n} contact\(s\)"))
        ui.shot("ten-quick-contacts")

        _new_person(ui, "Zéphyrine", "Quatremare", "31")
        ui.see("Contact enregistré.")
        _new_person(ui, "Anatole", "Vasseur-Testeur", "52")
        ui.see("Contact enregistré.")

        # Mohamed was met by Karim weeks ago: the phone recognises him.
        _new_person(ui, "Mohamed", "Benyahia", "38")
        ui.see("Déjà rencontré ? Personnes proches sur ce téléphone :")
        ui.shot("already-met-candidates")
        assert ui.small_or_unnamed_controls() == []
        ui.tap("C'est Mohamed BENYAHIA")
        ui.see("Contact enregistré.")
        go(ui, "Aujourd'hui")
        ui.see(re.compile(r"· 13 contact\(s\)"))
        ui.see("Contacts du jour (13)")

        open_person(ui, "benyahia", "Mohamed BENYAHIA")
        ui.tap("Orienter")
        ui.chip("France Travail Creil").click()
        ui.fill("Motif", "Inscription et atelier CV")
        ui.shot("orientation-form")
        assert ui.small_or_unnamed_controls() == []
        ui.tap("Enregistrer")
        ui.see("Orientation enregistrée.")

        ui.page.get_by_role("tab", name="Aujourd'hui").click()
        sync(ui)
        ui.see(re.compile(r"· 13 contact\(s\)"))
        ui.see("Contacts du jour (13)")
        expect(ui.page.get_by_text("Synchronisé", exact=True)).to_have_count(13)
        ui.shot("today-after-morning")

        open_person(ui, "benyahia", "Mohamed BENYAHIA")
        # Référents, most recent first, each with their period (Amina's is running).
        ui.see(re.compile(r"Amina Diallo \(depuis le [\d/]+\), Karim Benali \((le )?[\d/ –]+\)"))
        ui.see("Orientation vers France Travail Creil")
        ui.see("Proposée · Inscription et atelier CV")
        # Karim's earlier contacts and today's, each with its author.
        expect(ui.page.get_by_text("par Amina Diallo")).to_have_count(1)
        authors = server_contact_authors(db_url, "Benyahia")
        assert len(authors) >= 2  # Karim's history and Amina's contact of today
        ui.see(f"Parcours ({len(authors)} contact(s), 1 orientation(s))")
        expect(ui.page.get_by_text("par Karim Benali")).to_have_count(len(authors) - 1)
        ui.shot("recognised-person-pathway")
        # Scrolled to the end: no control is left half under the navigation bar (a cut
        # control would read as a small one).
        ui.page.mouse.move(200, 500)
        ui.page.mouse.wheel(0, 3000)
        assert ui.small_or_unnamed_controls() == []
        assert pending_on_phone(phone_db) == 0
    finally:
        field.stop()
        server.stop()
