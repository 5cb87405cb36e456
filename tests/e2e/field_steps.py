"""Steps shared by the field app's browser tests: what a mediator does, by name."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from app.store import LocalStore
from domain.hlc import HlcClock
from domain.ids import uuid7
from domain.sync import Op
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.crud.users import enrol_device, get_user_by_username
from sync_server.models import Record, SyncOp
from sync_server.sync.push import push_ops
from tests.e2e.ui import Ui

SEARCH = "Rechercher (nom, prénom ou téléphone)"
PIN = "246813"


def login(ui: Ui, username: str) -> None:
    """Sign in on a fresh phone: identifiers, then the PIN that encrypts its data."""
    ui.type_at_cursor("Identifiant", username)
    ui.fill("Mot de passe", "relais-demo")
    ui.tap("Se connecter")
    ui.see("Choisissez un code PIN")
    ui.type_at_cursor("Code PIN (6 chiffres minimum)", PIN)
    ui.fill("Confirmez le code PIN", PIN)
    ui.tap("Enregistrer le code PIN")
    ui.see("Aujourd'hui")


def reopen(ui: Ui, url: str) -> None:
    """Close the app and open it again on the same app process: a new tab, so a new
    Flet session that starts on the unlock screen (or today's screen if the phone has
    no PIN). Reloading the same tab is not that: Flet hands the tab back its live
    session (its id stays in the tab's sessionStorage), screen, form and scroll as
    they were, so nothing would be read back from the phone's store."""
    closed = ui.page
    browser, viewport = closed.context.browser, closed.viewport_size
    assert browser is not None and viewport is not None
    closed.close()  # its connection ends, as when the app is closed
    ui.page = browser.new_page(viewport=viewport)
    ui.goto(url)
    today = ui.page.get_by_text("Aujourd'hui").first
    locked = ui.page.get_by_text("Application verrouillée").first
    expect(today.or_(locked)).to_be_visible(timeout=15_000)
    if locked.is_visible():
        ui.type_at_cursor("Code PIN", PIN)
        ui.tap("Déverrouiller")
    ui.see("Aujourd'hui")


def sync(ui: Ui) -> None:
    ui.tap("Synchroniser")
    ui.see("Tout est synchronisé", timeout=60_000)
    ui.see(re.compile("Synchronisation terminée"), timeout=30_000)


def go(ui: Ui, tab: str) -> None:
    ui.page.get_by_role("tab", name=tab).click()


def open_person(ui: Ui, query: str, name: str) -> None:
    """Find a person from the Personnes tab: tap the search once, type once."""
    go(ui, "Personnes")
    # The tab shows the last search typed (kept until the app locks), or the hint.
    ui.fill(SEARCH, query)
    expect(ui.page.get_by_text(re.compile(r"\d+ personne\(s\)")).first).to_be_visible()
    ui.page.get_by_role("button", name=re.compile(re.escape(name))).first.click()
    ui.see(re.compile(r"Parcours \("))


def phone_store(db_path: Path) -> LocalStore:
    """The phone's file opened by a second connection, unlocked with the mediator's PIN."""
    store = LocalStore(db_path)
    store.unlock(PIN)
    return store


def pending_on_phone(db_path: Path) -> int:
    """The outbox as the phone's file holds it (read by a second connection)."""
    store = phone_store(db_path)
    try:
        return store.sync_status().pending
    finally:
        store.close()


def supervisor_sends_back(database_url: str, contact_id: str, comment: str) -> None:
    """Sophie marks a contact "à corriger" through the server's real push path."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        with Session(engine, expire_on_commit=False) as session:
            sophie = get_user_by_username(session, username="sophie")
            assert sophie is not None
            device, _ = enrol_device(session, user=sophie, name="console de test")
            record = session.exec(select(Record).where(Record.id == contact_id)).one()
            op = Op(
                op_id=uuid7(),
                device_seq=1,
                entity="contact",
                row_id=contact_id,
                hlc=HlcClock(node=device.id).now().encode(),
                base_version=record.version,
                set={"review_state": "to_fix", "review_comment": comment},
            )
            [result] = push_ops(
                session, user=sophie, device=device, ops=[op], clock=HlcClock(node="server")
            )
            assert result.outcome == "applied", result.reason
            session.commit()
    finally:
        engine.dispose()


def server_contact(database_url: str, contact_id: str) -> dict[str, object]:
    engine = make_engine(Settings(database_url=database_url))
    try:
        with Session(engine) as session:
            return dict(session.exec(select(Record).where(Record.id == contact_id)).one().data)
    finally:
        engine.dispose()


def tally(ui: Ui, count: int) -> None:
    expect(ui.page.get_by_text(f"{count} contact(s)", exact=False).first).to_be_visible()


def server_contact_authors(database_url: str, last_name: str) -> list[str]:
    """Mediator ids of the live contacts the server holds for the person(s) so named."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        with Session(engine) as session:
            people = session.exec(select(Record).where(Record.entity == "person")).all()
            ids = {p.id for p in people if p.data.get("last_name") == last_name}
            contacts = session.exec(select(Record).where(Record.entity == "contact")).all()
            return [
                str(c.data.get("mediator_id"))
                for c in contacts
                if c.data.get("person_id") in ids and not c.deleted
            ]
    finally:
        engine.dispose()


def server_row_ops(database_url: str, row_id: str) -> list[dict[str, object]]:
    """The `set` of every op the server's ledger holds for a row, oldest first."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        with Session(engine) as session:
            ops = session.exec(select(SyncOp).where(SyncOp.row_id == row_id)).all()
            return [dict(o.set_values) for o in sorted(ops, key=lambda o: o.hlc)]
    finally:
        engine.dispose()
