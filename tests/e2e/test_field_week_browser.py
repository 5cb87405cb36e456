"""A mediator's real morning on the phone, where it used to break (412×915, Chromium).

The quick tally tapped five times in a row counts five and never moves; « Annuler »
undoes exactly the last entry; a person created lands on her record, oriented in a
few taps; a message stays on the screen that caused it; the Personnes search, typed
once right after a tab switch, finds the person every time (ten times over). Every
field is tapped once and typed once.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from scripts.processes import seed_server, start_app, start_server
from tests.e2e.field_steps import SEARCH, go, login
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def _in_view(ui: Ui, name: str) -> None:
    """The control is on screen without scrolling (a thumb reaches it)."""
    button = ui.button(name)
    # The app scrolls it into view by itself, a moment after drawing it.
    expect(button).to_be_in_viewport(ratio=1)
    ui.still(button)  # the scroll bringing it into view has ended
    box = button.bounding_box()
    assert box is not None, name
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (name, box)


def test_tally_undo_new_person_and_search(browser: Browser, out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    field = start_app("field", server.url, out_dir / "phone.sqlite3", out_dir)
    try:
        ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        login(ui, "amina")

        # The tally: five quick taps, five contacts, the buttons never move.
        band = ui.button("Moins de 26 ans")
        _in_view(ui, "Moins de 26 ans")
        before = band.bounding_box()
        for _ in range(5):
            band.click()  # no wait in between: a mediator counting a group
        ui.see("5 contact(s) anonyme(s) aujourd'hui")
        assert band.bounding_box() == before
        ui.shot("tally-five-quick-taps")
        ui.tap("Annuler le dernier")
        ui.see("4 contact(s) anonyme(s) aujourd'hui")
        assert band.bounding_box() == before
        ui.tap("26–49 ans")
        ui.see("5 contact(s) anonyme(s) aujourd'hui")
        ui.see("Contact anonyme compté.")

        # A new person: the duplicate check runs as the name is typed; saving lands
        # on her record, « Orienter » and « Prévoir une relance » on screen.
        ui.tap("Nouvelle personne")
        ui.fill("Prénom *", "Zéphyrine")
        ui.fill("Nom", "Quatremare")
        ui.fill("Âge", "31")
        ui.page.get_by_role("checkbox", name="Notice d'information remise").click()
        ui.tap("Enregistrer")
        ui.see("Contact enregistré.")
        ui.see(re.compile(r"Parcours \(1 contact\(s\), 0 orientation\(s\)\)"))
        _in_view(ui, "Orienter")
        _in_view(ui, "Prévoir une relance")
        ui.shot("new-person-record")
        # Oriented in three taps after saving.
        ui.tap("Orienter")
        ui.chip("France Travail Creil").click()
        ui.tap("Enregistrer")
        ui.see("Orientation enregistrée.")
        ui.see(re.compile(r"Parcours \(1 contact\(s\), 1 orientation\(s\)\)"))

        # A contact added on her record: « Annuler » there deletes that one, not the
        # anonymous contacts counted earlier.
        ui.tap("Ajouter un contact")
        # Tapped while « Orientation enregistrée. » is still up: it fades out while the
        # field has the focus, and what is typed next still arrives.
        need = ui.page.get_by_role("textbox", name="Besoin exprimé", exact=True)
        ui.click_when_still(need)
        ui.ready_to_type(need)
        ui.absent("Orientation enregistrée.", timeout=15_000)
        ui.page.keyboard.type("Atelier CV")
        expect(need).to_have_value("Atelier CV")
        ui.tap("Enregistrer")
        ui.see("Contact enregistré.")
        ui.see(re.compile(r"Parcours \(2 contact\(s\), 1 orientation\(s\)\)"))
        ui.tap("Annuler le contact")
        ui.see("Contact annulé.")
        ui.see(re.compile(r"Parcours \(1 contact\(s\), 1 orientation\(s\)\)"))

        # Today: the record's message stayed there, the tally still counts five and
        # offers no « Annuler » (its last tap is no longer the last entry).
        go(ui, "Aujourd'hui")
        ui.see("5 contact(s) anonyme(s) aujourd'hui")
        ui.absent("Contact annulé.")
        ui.absent("Contact anonyme compté.")
        expect(ui.button("Annuler le dernier")).to_have_count(0)
        ui.shot("today-after-the-record")
        assert ui.small_or_unnamed_controls() == []

        # The search, typed once right after a tab switch, finds her every time.
        found = ui.page.get_by_text("1 personne(s)", exact=True)
        for n in range(10):
            go(ui, "Personnes")
            ui.fill(SEARCH, "quatremare" if n % 2 else "zéphyrine")
            expect(found).to_be_visible()
            # Erased before leaving, as a person does (the tab keeps the last search).
            ui.page.keyboard.press("Control+a")
            ui.page.keyboard.press("Backspace")
            ui.see("Tapez quelques lettres du nom ou des chiffres du téléphone.")
            go(ui, "Aujourd'hui")
            ui.see("5 contact(s) anonyme(s) aujourd'hui")
        ui.shot("search-found-ten-times")

        # Met again the next day: the duplicate warning shows while her name is typed,
        # and after « Enregistrer » the candidates are brought into view.
        go(ui, "Aujourd'hui")
        ui.tap("Nouvelle personne")
        ui.fill("Prénom *", "Zéphyrine")
        ui.fill("Nom", "Quatremare")
        ui.see("Déjà rencontré ? Personnes proches sur ce téléphone :")
        _in_view(ui, "C'est Zéphyrine QUATREMARE")
        ui.shot("duplicate-warning-while-typing")
        ui.tap("Enregistrer")
        _in_view(ui, "C'est Zéphyrine QUATREMARE")
        ui.shot("candidates-in-view")
        ui.tap("C'est Zéphyrine QUATREMARE")
        ui.see(re.compile(r"Parcours \(2 contact\(s\), 1 orientation\(s\)\)"))

        # A date that does not exist: the error is on screen, not under the fold.
        ui.tap("Prévoir une relance")
        ui.fill("Échéance (JJ/MM/AAAA)", "31/02/2030")
        ui.fill("Objet de la relance", "Rappeler pour la formation")
        ui.tap("Enregistrer")
        ui.see("Date invalide : choisissez une échéance ou tapez JJ/MM/AAAA.")
        box = ui.page.get_by_text("Date invalide", exact=False).first.bounding_box()
        assert box is not None and 0 <= box["y"] <= PHONE["height"] - box["height"], box
        ui.shot("invalid-date-in-view")
        # Picked in the calendar instead (French), the date is written for her.
        ui.tap("Calendrier : Échéance")
        ui.page.wait_for_timeout(500)
        ui.shot("date-picker")
        ui.tap("OK")
        today = f"{dt.date.today():%d/%m/%Y}"
        ui.tap("Enregistrer")
        ui.see(f"Relance prévue le {today}.")
    finally:
        field.stop()
        server.stop()
