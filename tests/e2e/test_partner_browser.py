"""A partner structure answers an orientation, in Chromium (1440×900, then 412×915):
a mediator orients a person to Mission Locale offline and syncs; the admin creates
the Mission Locale conseillère's account in the console; she sees the orientations
addressed to her structure and nothing else, sets the appointment date at her desk
and reports « rendez-vous honoré » from her phone; the mediator's phone gets it all
at its next sync (and a relance for the orientation she declined)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect
from sqlmodel import Session, col, select

from app.store import LocalStore
from app.sync.client import SyncClient
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.models import Partner, Record
from tests.e2e.console_steps import DemoConsole, sign_in
from tests.e2e.ui import DESKTOP, PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

MISSION_LOCALE = "Mission Locale de la Vallée de l'Oise"
ML_PASSWORD = "mot-de-passe-ml"
PARTNER = "Relais · Orientations reçues"  # a partner account's console header


def _card_button(ui: Ui, person: str, button: str) -> Locator:
    """`button` of the card of `person` (the first such button below their name): a
    person finds the card by name, and cards reorder as answers come in."""
    name = ui.see(person).bounding_box()
    assert name is not None
    below = []
    for candidate in ui.button(button).all():
        box = candidate.bounding_box()
        if box is not None and box["y"] > name["y"]:
            below.append((box["y"], candidate))
    return min(below, key=lambda found: found[0])[1]


def _names_oriented(db_url: str) -> tuple[set[str], set[str]]:
    """Last names of the persons oriented to Mission Locale, and to anyone else."""
    engine = make_engine(Settings(database_url=db_url))
    with Session(engine) as session:
        ml = session.exec(select(Partner).where(Partner.name == MISSION_LOCALE)).one()
        kinds = col(Record.entity).in_(["person", "orientation"])
        rows = session.exec(select(Record).where(kinds)).all()
    engine.dispose()
    persons = {r.id: r.data.get("last_name") or "" for r in rows if r.entity == "person"}
    ours: set[str] = set()
    others: set[str] = set()
    for r in rows:
        if r.entity == "orientation" and not r.deleted:
            (ours if r.data["partner_id"] == ml.id else others).add(persons[r.data["person_id"]])
    return ours, others - ours


def test_mission_locale_answers_an_orientation_and_the_phone_gets_it(
    demo_console: DemoConsole, browser: Browser, out_dir: Path
) -> None:
    # The mediator's phone, offline: a new person oriented to Mission Locale.
    store = LocalStore(out_dir / "phone.sqlite3")
    phone = SyncClient(store, demo_console.server.url)
    try:
        phone.login("amina", "relais-demo", "téléphone d'Amina")
        refs = phone.fetch_referentials()
        ml_id = next(p.id for p in refs.partners if p.name == MISSION_LOCALE)
        phone.sync()
        person = store.create(
            "person",
            {
                "first_name": "Nadia",
                "last_name": "Ferhat",
                "phone": "06 44 55 66 77",
                "need": "Trouver une formation d'aide-soignante",
                "freins": ["mobility", "health"],
            },
        )
        today = dt.date.today()
        orientation = store.create(
            "orientation",
            {
                "person_id": person,
                "partner_id": ml_id,
                "date": today.isoformat(),
                "status": "proposed",
                "theme": "formation",
                "reason": "Projet d'entrée en formation",
            },
        )
        phone.sync()
        ours, others = _names_oriented(demo_console.db_url)
        assert "Ferhat" in ours and others

        # The admin creates the conseillère's account, attached to Mission Locale.
        desk = Ui.open(browser, demo_console.app.url, out_dir / "desktop", DESKTOP)
        sign_in(desk, "admin", "relais-demo")
        desk.section("Administration")
        desk.fill("Identifiant", "lea.ml")
        desk.fill("Nom affiché", "Léa Conseillère ML")
        desk.fill("Mot de passe initial", ML_PASSWORD)
        desk.click_when_still(desk.chip("Partenaire"))
        # The structures' chips appear under the role's: let the form settle first.
        structure = desk.chip(MISSION_LOCALE)
        expect(structure).to_be_visible()
        desk.page.wait_for_timeout(500)
        desk.click_when_still(structure)
        expect(structure).to_be_checked()
        desk.shot("admin-new-partner-account")
        desk.tap("Créer le compte")
        desk.see("Compte « lea.ml » créé (Partenaire).")
        expect(desk.page.get_by_role("row", name=re.compile("lea.ml"))).to_contain_text(
            MISSION_LOCALE
        )
        desk.page.close()

        # At her desk: exactly the orientations addressed to her structure.
        desk = Ui.open(browser, demo_console.app.url, out_dir / "desktop", DESKTOP)
        sign_in(desk, "lea.ml", ML_PASSWORD, header=PARTNER)
        desk.see(re.compile(rf"^{len(ours)} orientation\(s\) reçue\(s\)"))
        desk.see("Nadia FERHAT")
        desk.see("06 44 55 66 77")
        desk.see("Trouver une formation d'aide-soignante")
        desk.see(re.compile(r"Orientée le .* par Amina Diallo"))
        for name in others:  # nobody oriented elsewhere
            desk.absent(re.compile(re.escape(name), re.IGNORECASE))
        desk.absent("Santé")  # a health frein is not Mission Locale's to read
        desk.see("Mobilité")
        desk.shot("partner-desktop-list")
        appointment = today + dt.timedelta(days=5)
        desk.click_when_still(_card_button(desk, "Nadia FERHAT", "Date du rendez-vous"))
        desk.fill("Date du rendez-vous (JJ/MM/AAAA)", "31/02/2026")
        desk.tap("Enregistrer la date")
        desk.see("« 31/02/2026 » n'est pas une date du calendrier.")
        desk.fill("Date du rendez-vous (JJ/MM/AAAA)", f"{appointment:%d/%m/%Y}")
        desk.tap("Enregistrer la date")
        desk.see(
            f"Réponse enregistrée pour Nadia Ferhat : Rendez-vous pris, "
            f"rendez-vous le {appointment:%d/%m/%Y}."
        )
        desk.shot("partner-desktop-appointment")
        desk.page.close()

        # On her phone, after the appointment: « rendez-vous honoré »; and the other
        # orientation, declined.
        mobile = Ui.open(browser, demo_console.app.url, out_dir / "phone", PHONE)
        sign_in(mobile, "lea.ml", ML_PASSWORD, header=PARTNER)
        mobile.see(f"Statut : Rendez-vous pris, rendez-vous le {appointment:%d/%m/%Y}")
        mobile.shot("partner-phone-list")
        mobile.click_when_still(_card_button(mobile, "Nadia FERHAT", "Suite donnée"))
        mobile.tap("Enregistrer la suite")
        mobile.see("Choisissez la suite donnée.")
        mobile.click_when_still(mobile.chip("Rendez-vous honoré"))
        mobile.tap("Enregistrer la suite")
        mobile.see(
            re.compile(r"Réponse enregistrée pour Nadia Ferhat : Honorée, .*Rendez-vous honoré")
        )
        mobile.shot("partner-phone-attended")
        mobile.click_when_still(_card_button(mobile, "Mohammed BEN YAHIA", "Refuser"))
        mobile.click_when_still(mobile.chip("Personne injoignable"))
        mobile.tap("Confirmer le refus")
        mobile.see("Réponse enregistrée pour Mohammed Ben Yahia : Refusée, Personne injoignable.")
        mobile.shot("partner-phone-declined")
        mobile.tap("Se déconnecter")
        mobile.see("Se connecter")
        mobile.page.close()

        # The mediator's phone, at its next sync.
        phone.sync()
        got = store.get("orientation", orientation)
        assert got is not None
        assert got.data["status"] == "attended"
        assert got.data["outcome"] == "attended"
        assert got.data["appointment_date"] == appointment.isoformat()
        pathway = store.pathway(person)
        assert pathway is not None
        [entry] = [e for e in pathway.timeline if e.kind == "orientation"]
        assert entry.title == f"Orientation vers {MISSION_LOCALE}"
        assert entry.detail.startswith(
            f"Honorée · RDV le {appointment:%d/%m/%Y} · Rendez-vous honoré"
        )
        assert pathway.status.value == "supported"
        relances = [
            (r.data["due_date"], r.data["what"])
            for r in store.rows("followup")
            if not r.data.get("done") and r.data["what"].startswith(MISSION_LOCALE)
        ]
        assert relances == [
            (
                today.isoformat(),
                f"{MISSION_LOCALE} : orientation refusée (Personne injoignable) — "
                "voir avec la personne",
            )
        ]
    finally:
        phone.close()
        store.close()
