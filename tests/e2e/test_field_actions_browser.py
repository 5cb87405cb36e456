"""Two actions de terrain in one day, driven in Chromium at 412×915: a pied d'immeuble
in the morning, ended with « Terminer l'action », then a permanence; each keeps its
own contacts (on the phone, in « Mes actions », and on the server after a sync)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session, select

from scripts.processes import seed_server, start_app, start_server
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.models import AppUser, Partner, Record
from tests.e2e.field_steps import login, open_person, pending_on_phone, sync
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


T = TypeVar("T")


def _on_server(database_url: str, read: Callable[[Session], T]) -> T:
    engine = make_engine(Settings(database_url=database_url))
    try:
        with Session(engine) as session:
            return read(session)
    finally:
        engine.dispose()


def _server_rows(database_url: str, entity: str) -> list[Record]:
    query = select(Record).where(Record.entity == entity)
    return _on_server(database_url, lambda s: list(s.exec(query).all()))


def _partner_id(database_url: str, name: str) -> str:
    query = select(Partner.id).where(Partner.name == name)
    return _on_server(database_url, lambda s: str(s.exec(query).one()))


def _user_id(database_url: str, username: str) -> str:
    query = select(AppUser.id).where(AppUser.username == username)
    return _on_server(database_url, lambda s: str(s.exec(query).one()))


def test_two_actions_in_one_day_each_with_its_own_contacts(browser: Browser, out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    phone_db = out_dir / "phone.sqlite3"
    field = start_app("field", server.url, phone_db, out_dir)
    try:
        ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        login(ui, "amina")
        sync(ui)  # what the demo holds is on the phone before the day starts

        ui.tap("Démarrer une action de terrain")
        ui.chip("Pied d'immeuble").click()
        ui.tap("Démarrer l'action")
        ui.see("Action en cours")
        ui.tap("Moins de 26 ans")
        ui.see(re.compile(r"· 1 contact\(s\)"))
        ui.tap("26–49 ans")
        ui.see(re.compile(r"· 2 contact\(s\)"))
        ui.shot("morning-action-two-contacts")

        ui.tap("Terminer l'action")
        ui.see("Action terminée.")
        ui.see("Démarrer une action de terrain")
        ui.shot("morning-action-ended")

        ui.tap("Démarrer une action de terrain")
        ui.see("Nouvelle action")
        ui.shot("second-action-form")
        ui.chip("Permanence").click()
        ui.chip("Recenser et fédérer").click()
        # Partners and colleagues present: a second tap takes one off again.
        taken_off = ui.chip("Cap emploi Oise")
        taken_off.click()
        expect(taken_off).to_be_checked()
        taken_off.click()
        expect(taken_off).not_to_be_checked()
        ui.chip("France Travail Creil").click()
        ui.chip("Karim Benali").click()
        ui.tap("Démarrer l'action")
        ui.see(re.compile(r"Permanence · lieu non précisé"))
        ui.see(re.compile(r"· 0 contact\(s\)"))
        ui.tap("50 ans et plus")
        ui.see(re.compile(r"· 1 contact\(s\)"))
        ui.see("Contacts du jour (3)")
        ui.shot("afternoon-action-one-contact")

        ui.tap("Mes actions")
        ui.see("Saisir une action passée")
        ui.see(re.compile(r"depuis \d\d:\d\d \(en cours\) · 1 contact\(s\)"))
        ui.see(re.compile(r"\d\d:\d\d–\d\d:\d\d · 2 contact\(s\)"))
        ui.shot("my-actions")
        assert ui.small_or_unnamed_controls() == []

        # Yesterday evening's permanence, logged now: a date in the future is refused.
        ui.tap("Saisir une action passée")
        ui.see("Action passée")
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        yesterday = dt.date.today() - dt.timedelta(days=1)
        ui.fill("Date (JJ/MM/AAAA)", f"{tomorrow:%d/%m/%Y}")
        ui.fill("Début (HH:MM)", "17:00")
        ui.fill("Fin (HH:MM)", "19:30")
        ui.tap("Enregistrer l'action")
        # The error is scrolled into view, not left under the fold.
        refused = ui.see(re.compile("Le début est dans le futur")).bounding_box()
        assert refused is not None
        assert 0 <= refused["y"] <= PHONE["height"] - refused["height"], refused
        ui.shot("past-action-future-refused")
        ui.fill("Date (JJ/MM/AAAA)", f"{yesterday:%d/%m/%Y}")
        ui.tap("Enregistrer l'action")
        ui.see("Action passée enregistrée.")
        ui.see(f"{yesterday:%d/%m/%Y} · 17:00–19:30 · 0 contact(s)")
        ui.shot("past-action-listed")

        ui.page.get_by_role("tab", name="Aujourd'hui").click()
        sync(ui)
        assert pending_on_phone(phone_db) == 0
        # Today's two actions (the demo's are weeks old).
        today = dt.date.today()
        events = {
            e.id: e.data
            for e in _server_rows(db_url, "event")
            if dt.datetime.fromisoformat(e.data["starts_at"]).astimezone().date() == today
        }
        assert len(events) == 2
        logged_later = [
            (
                e.data["type"],
                dt.datetime.fromisoformat(e.data["starts_at"]).astimezone(),
                dt.datetime.fromisoformat(e.data["ends_at"]).astimezone(),
            )
            for e in _server_rows(db_url, "event")
            if dt.datetime.fromisoformat(e.data["starts_at"]).astimezone().date()
            == today - dt.timedelta(days=1)
        ]
        assert [(t, f"{s:%H:%M}", f"{e:%H:%M}") for t, s, e in logged_later] == [
            ("drop_in", "17:00", "19:30")
        ]
        by_type = {d["type"]: eid for eid, d in events.items()}
        morning, afternoon = by_type["foot_of_building"], by_type["drop_in"]
        contacts = [c.data for c in _server_rows(db_url, "contact")]
        assert sum(c.get("event_id") == morning for c in contacts) == 2
        assert sum(c.get("event_id") == afternoon for c in contacts) == 1
        assert events[morning].get("ends_at")
        assert events[afternoon]["axis"] == "identify"
        assert events[afternoon]["partner_ids"] == [_partner_id(db_url, "France Travail Creil")]
        assert events[afternoon]["mediator_ids"][1:] == [_user_id(db_url, "karim")]
    finally:
        field.stop()
        server.stop()


def test_an_anonymous_contact_linked_to_a_person_later(browser: Browser, out_dir: Path) -> None:
    """Counted at the building without a name; back at the permanence with her name:
    the earlier count becomes one of her contacts."""
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    phone_db = out_dir / "phone.sqlite3"
    field = start_app("field", server.url, phone_db, out_dir)
    try:
        ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        login(ui, "amina")
        sync(ui)
        ui.tap("Moins de 26 ans")
        ui.see("Contacts du jour (1)")

        ui.tap("Nouvelle personne")
        ui.fill("Prénom *", "Yanis")
        ui.fill("Nom", "Ouardi")
        ui.tap("Enregistrer")
        ui.see("Contact enregistré.")
        open_person(ui, "ouardi", "Yanis OUARDI")
        ui.see("Parcours (1 contact(s), 0 orientation(s))")
        ui.tap("Rattacher un contact anonyme")
        # This morning's count, among the demo's older anonymous contacts.
        today = f"{dt.datetime.now().astimezone():%d.%m}"  # "/" would end Playwright's regex
        link = ui.page.get_by_role("button", name=re.compile(rf"^Rattacher le contact du {today} "))
        expect(link).to_have_count(1)
        ui.shot("link-anonymous-contact")
        assert ui.small_or_unnamed_controls() == []
        ui.click_when_still(link)
        ui.see(re.compile(r"Contact du .* rattaché à Yanis OUARDI\."))
        ui.see("Parcours (2 contact(s), 0 orientation(s))")
        ui.shot("anonymous-contact-linked")

        ui.page.get_by_role("tab", name="Aujourd'hui").click()
        sync(ui)
        assert pending_on_phone(phone_db) == 0
        contacts = [c.data for c in _server_rows(db_url, "contact")]
        persons = [p for p in _server_rows(db_url, "person") if p.data.get("last_name") == "Ouardi"]
        [yanis] = persons
        theirs = [c for c in contacts if c.get("person_id") == yanis.id]
        assert sorted(c.get("age_band") or "" for c in theirs) == ["", "under_26"]
    finally:
        field.stop()
        server.stop()
