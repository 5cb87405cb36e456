"""The field app's pathway screens in Chromium: search, actions, relances, drafts,
sensitive-text warnings and a correction sent back by a supervisor."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from scripts.processes import Proc, seed_server, start_app, start_server
from tests.e2e.field_steps import (
    go,
    login,
    open_person,
    pending_on_phone,
    phone_store,
    reopen,
    server_contact,
    supervisor_sends_back,
    sync,
)
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

SENSITIVE = "Attention : ce texte semble contenir des données sensibles (santé)"


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


def _box(ui: Ui, label: str) -> Locator:
    # Flutter mirrors a field's text into the DOM only once it has the focus.
    box = ui.page.get_by_role("textbox", name=label, exact=True)
    box.click()
    return box


def test_pathway_actions_relances_and_drafts(
    browser: Browser, out_dir: Path, demo: tuple[str, Proc, Path]
) -> None:
    _, field, phone_db = demo
    ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
    login(ui, "amina")
    sync(ui)

    # A draft survives the app being closed mid-form; "Annuler" drops it.
    ui.tap("Nouvelle personne")
    ui.tap("Enregistrer")
    ui.see("Le prénom est obligatoire.")
    ui.fill("Prénom *", "Brunehilde")
    ui.fill("Besoin exprimé", "Sort de l'hopital, cherche un emploi")
    ui.see(SENSITIVE)
    ui.shot("new-person-warning")
    ui.page.wait_for_timeout(500)
    reopen(ui, field.url)  # the app is closed and opened again
    ui.tap("Nouvelle personne")
    expect(_box(ui, "Prénom *")).to_have_value("Brunehilde")
    ui.see(SENSITIVE)  # the restored need still carries its warning
    ui.shot("new-person-restored")
    ui.tap("Annuler")
    ui.tap("Nouvelle personne")
    expect(_box(ui, "Prénom *")).to_have_value("")
    ui.fill("Prénom *", "Brunehilde")
    ui.fill("Nom", "Testeuse")
    ui.fill("Besoin exprimé", "Cherche un emploi")
    # Met outside an action de terrain: she came to an appointment.
    ui.click_when_still(ui.chip("Rendez-vous"))
    ui.page.mouse.wheel(0, 600)  # down to the channel, under the need
    ui.page.wait_for_timeout(400)
    ui.shot("new-person-channel")
    ui.tap("Enregistrer")
    ui.see("Contact enregistré.")

    open_person(ui, "brunehil", "Brunehilde TESTEUSE")
    ui.see("Repéré")
    ui.see(re.compile(r"Contact · Rendez-vous"))
    ui.shot("pathway-new-person")

    ui.tap("Ajouter un contact")
    ui.tap("Enregistrer")
    ui.see("Indiquez au moins un besoin, une note ou un frein.")
    ui.fill("Note", "Traitement en cours")
    ui.see(SENSITIVE)
    ui.fill("Note", "Disponible le matin")
    ui.absent(SENSITIVE)
    ui.chip("Numérique").click()
    ui.tap("Enregistrer")
    ui.see("Contact enregistré.")
    ui.see("En contact")
    ui.see(re.compile(r"Freins\s*Numérique"))  # noted on the contact, shown on the pathway

    ui.tap("Orienter")
    ui.tap("Enregistrer")
    ui.see("Choisissez la structure partenaire.")
    ui.chip("Mission Locale de la Vallée de l'Oise").click()
    ui.fill("Motif", "Garantie jeunes")
    ui.tap("Enregistrer")
    ui.see("Orientation enregistrée.")
    ui.see("Orienté")
    for status in ("Acceptée", "Rendez-vous pris", "Honorée"):
        # Named after the orientation it moves on (one screen may list several).
        ui.tap(f"{status} : orientation vers Mission Locale de la Vallée de l'Oise")
        ui.see(f"Orientation : {status}.")
    ui.see("Honorée · Garantie jeunes")
    ui.see("Accompagné")
    ui.shot("pathway-orientation-attended")

    ui.tap("Prévoir une relance")
    ui.tap("Enregistrer")
    ui.see("Date invalide : choisissez une échéance ou tapez JJ/MM/AAAA.")
    ui.chip("Dans 1 semaine").click()
    in_a_week = dt.date.today() + dt.timedelta(days=7)
    expect(_box(ui, "Échéance (JJ/MM/AAAA)")).to_have_value(f"{in_a_week:%d/%m/%Y}")
    ui.fill("Objet de la relance", "Point sur la Garantie jeunes")
    ui.tap("Enregistrer")
    ui.see(f"Relance prévue le {in_a_week:%d/%m/%Y}.")
    ui.tap("Prévoir une relance")
    ui.fill("Échéance (JJ/MM/AAAA)", f"{dt.date.today():%d/%m/%Y}")
    ui.fill("Objet de la relance", "Rappeler la Mission Locale")
    ui.tap("Enregistrer")
    ui.see("Relances à faire")
    ui.shot("pathway-relances")

    go(ui, "Aujourd'hui")
    ui.see("Relances du jour (1)")
    go(ui, "Relances")
    ui.see("Mes relances : 1 à faire aujourd'hui ou en retard")
    ui.see("Brunehilde TESTEUSE")
    # The one in a week is listed too, under what is coming.
    ui.see(re.compile(r"Dans les 7 prochains jours \(\d+\)"))
    ui.see(f"prévue le {in_a_week:%d/%m} · Point sur la Garantie jeunes")
    ui.shot("relances")
    ui.tap(f"Fait : Brunehilde TESTEUSE, {dt.date.today():%d/%m}")
    ui.see("Mes relances : 0 à faire aujourd'hui ou en retard")
    ui.see(f"prévue le {in_a_week:%d/%m} · Point sur la Garantie jeunes")

    open_person(ui, "testeuse", "Brunehilde TESTEUSE")
    ui.tap("Enregistrer une sortie")
    ui.see("Sorties positives (au sens du PLIE)")
    ui.chip("CDI").click()
    ui.shot("exit-form")
    ui.tap("Enregistrer")
    ui.see("Sortie enregistrée.")
    ui.see("Sorti · CDI (positive)")
    ui.see(re.compile("Sortie · CDI"))
    ui.shot("pathway-exited")

    go(ui, "Aujourd'hui")
    sync(ui)
    assert pending_on_phone(phone_db) == 0


def test_correction_from_supervisor_reaches_phone_and_goes_back(
    browser: Browser, out_dir: Path, demo: tuple[str, Proc, Path]
) -> None:
    db_url, field, phone_db = demo
    ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
    login(ui, "amina")
    ui.tap("Nouvelle personne")
    ui.fill("Prénom *", "Gaspard")
    ui.fill("Nom", "Correcteur")
    ui.fill("Besoin exprimé", "Emploi")
    ui.tap("Enregistrer")
    ui.see("Contact enregistré.")  # on Gaspard's record
    go(ui, "Aujourd'hui")
    sync(ui)

    store = phone_store(phone_db)
    try:
        [contact] = [c for c in store.rows("contact") if c.data.get("need") == "Emploi"]
    finally:
        store.close()
    supervisor_sends_back(db_url, contact.id, "Préciser : quel métier ?")

    sync(ui)
    ui.see("Préciser : quel métier ?")
    ui.shot("today-to-fix")
    ui.page.get_by_role("button", name=re.compile("Corriger : Gaspard CORRECTEUR")).click()
    ui.see("À corriger : Préciser : quel métier ?")
    ui.fill("Besoin exprimé", "Emploi en logistique, permis B")
    ui.shot("contact-fix")
    ui.tap("Enregistrer la correction")
    ui.see("Correction enregistrée : elle partira à la prochaine synchronisation.")
    ui.see(re.compile(r"Parcours \("))
    ui.see("Emploi en logistique, permis B")

    go(ui, "Aujourd'hui")
    ui.absent("Préciser : quel métier ?")
    sync(ui)
    fixed = server_contact(db_url, contact.id)
    assert fixed["need"] == "Emploi en logistique, permis B"
    assert fixed["review_state"] == "received"  # back in the supervisor's queue
    assert pending_on_phone(phone_db) == 0
    ui.absent("Préciser : quel métier ?")  # the pulled row does not bring it back
    ui.shot("today-after-fix")
