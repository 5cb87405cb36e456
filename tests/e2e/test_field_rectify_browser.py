"""A contact's channel and the rectification of a person, in Chromium at phone size:
Amina logs a phone call from a person's pathway, corrects the person's record
(« Modifier la fiche »), and the server receives only what she changed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from scripts.processes import Proc, seed_server, start_app, start_server
from tests.e2e.field_steps import (
    login,
    open_person,
    pending_on_phone,
    phone_store,
    server_contact,
    server_row_ops,
    sync,
)
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


@pytest.fixture
def demo(out_dir: Path) -> Iterator[tuple[str, Proc, Path]]:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    phone_db = out_dir / "phone.sqlite3"
    field = start_app("field", server.url, phone_db, out_dir)
    yield db_url, field, phone_db
    field.stop()
    server.stop()


def _scroll_down(ui: Ui) -> None:
    ui.page.mouse.move(200, 500)
    ui.page.mouse.wheel(0, 3000)
    ui.page.wait_for_timeout(500)


def test_phone_call_then_rectified_record_reach_the_server(
    browser: Browser, out_dir: Path, demo: tuple[str, Proc, Path]
) -> None:
    db_url, field, phone_db = demo
    ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
    login(ui, "amina")

    # A new person who says she does not live in a QPV (kept as « Non »).
    ui.tap("Nouvelle personne")
    ui.fill("Prénom *", "Capucine")
    ui.fill("Nom", "Rectifiée")
    ui.fill("Téléphone (facultatif)", "06 10 20 30 40")
    ui.chip("Non, hors QPV").click()
    # Every control of the form has a name of its own (no three « Oui »).
    assert ui.repeated_names() == []
    ui.tap("Enregistrer")
    ui.see("Contact enregistré.")

    # No action de terrain running: a contact from the pathway is a phone call.
    open_person(ui, "rectifi", "Capucine RECTIFIÉE")
    ui.see("Habite un QPV")
    ui.tap("Ajouter un contact")
    expect(ui.chip("Téléphone")).to_be_checked()
    expect(ui.chip("Pied d'immeuble")).not_to_be_checked()
    ui.fill("Note", "Rappel : disponible lundi")
    ui.shot("contact-form-channel")
    assert ui.whole_screen_small_or_unnamed() == []
    assert ui.repeated_names() == []
    ui.tap("Enregistrer")
    ui.see("Contact enregistré.")
    ui.see("Contact · Téléphone")
    ui.shot("pathway-phone-contact")

    # « Modifier la fiche »: prefilled, checked, saved.
    ui.tap("Modifier la fiche")
    ui.see("Modifier la fiche")
    # Flutter mirrors a field's text into the DOM only once it has the focus.
    first_name = ui.page.get_by_role("textbox", name="Prénom *", exact=True)
    first_name.click()
    expect(first_name).to_have_value("Capucine")
    expect(ui.chip("Non, hors QPV")).to_be_checked()
    ui.shot("edit-form-top")
    assert ui.whole_screen_small_or_unnamed() == []
    assert ui.repeated_names() == []
    ui.fill("Téléphone", "07 11 22 33 44")
    ui.fill("E-mail", "capucine.exemple.fr")
    ui.chip("Parent isolé").click()
    ui.tap("Enregistrer")
    ui.see(re.compile("L'adresse e-mail n'est pas valide"))
    ui.shot("edit-form-invalid-email")
    ui.fill("E-mail", "capucine@exemple.fr")
    # The birth date picked in the (French) calendar rather than typed.
    ui.tap("Calendrier : Date de naissance")
    ui.see("Date de naissance")
    ui.shot("edit-form-birth-date-picker")
    ui.tap("OK")
    born = f"01/01/{dt.date.today().year - 30}"
    # Flutter mirrors a field's text into the DOM only once it has the focus: the
    # record shows the date picked once saved (below).
    ui.shot("edit-form-birth-date-picked")
    _scroll_down(ui)
    ui.shot("edit-form-bottom")
    assert ui.whole_screen_small_or_unnamed() == []
    ui.tap("Enregistrer")
    ui.see("Fiche mise à jour.")
    ui.see("07 11 22 33 44")
    ui.see("capucine@exemple.fr")
    ui.see(re.compile(f"né·e le {born}"))
    ui.see("Parent isolé")
    ui.absent("06 10 20 30 40")
    ui.shot("pathway-after-edit")
    assert ui.whole_screen_small_or_unnamed() == []

    store = phone_store(phone_db)
    try:
        [person] = [p for p in store.rows("person") if p.data.get("first_name") == "Capucine"]
        contacts = store.rows("contact", equals={"person_id": person.id})
        [call] = [c for c in contacts if c.data.get("channel") == "phone"]
    finally:
        store.close()

    ui.page.get_by_role("tab", name="Aujourd'hui").click()
    sync(ui)
    assert pending_on_phone(phone_db) == 0
    held = server_contact(db_url, person.id)  # any row, by id
    assert held["phone"] == "07 11 22 33 44"
    assert held["email"] == "capucine@exemple.fr"
    assert held["family_situation"] == "single_parent"
    assert held["birth_date"] == f"{dt.date.today().year - 30}-01-01"
    assert held["qpv_resident"] == "no"
    assert held["last_name"] == "Rectifiée"
    assert server_contact(db_url, call.id)["channel"] == "phone"
    # The creation, then one op with the changed fields only.
    *_, rectified = server_row_ops(db_url, person.id)
    assert set(rectified) == {"phone", "email", "family_situation", "birth_date"}
