"""The audit journal in Chromium at 1440×900: the admin reads it.

Sophie (supervisor) opens a person's pathway and exports the contacts through the
API; she has no « Journal d'audit » in her console. The admin opens it and finds
both actions with who, the French label and the record's id, then filters them by
family and by account.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from scripts.processes import free_port, seed_server, start_app, start_server
from tests.e2e.console_steps import sign_in
from tests.e2e.test_console_insight_browser import _api_token
from tests.e2e.ui import DESKTOP, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def test_admin_reads_the_audit_journal(browser: Browser, out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir, free_port())
    console = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
    try:
        sophie = _api_token(server.url, "sophie")
        persons = httpx.get(f"{server.url}/console/persons", headers=sophie).json()
        person = persons["items"][0]
        read = httpx.get(f"{server.url}/console/persons/{person['id']}/pathway", headers=sophie)
        assert read.status_code == 200
        csv = httpx.get(f"{server.url}/console/exports/contacts.csv", headers=sophie)
        assert csv.status_code == 200

        desk = Ui.open(browser, console.url, out_dir / "supervisor", DESKTOP)
        sign_in(desk, "sophie", "relais-demo")
        desk.see("Parcours")
        journal_tab = desk.page.get_by_role("button", name=re.compile("^Journal d'audit"))
        expect(journal_tab).to_have_count(0)
        desk.shot("supervisor-no-journal")
        desk.page.close()

        admin = Ui.open(browser, console.url, out_dir / "admin", DESKTOP)
        sign_in(admin, "admin", "relais-demo")
        admin.section("Journal d'audit")
        admin.see("Qui a fait quoi et quand", timeout=20_000)
        admin.see("Lecture d'une fiche personne")
        admin.see("Export CSV des contacts")
        admin.see(f"Personne …{person['id'][-8:]}")
        admin.see("Sophie Lefèvre")
        # The person's name is nowhere on the journal's screen.
        admin.absent(person["display_name"])
        admin.shot("journal")

        admin.chip("Consultations de fiches").click()
        admin.see("Lecture d'une fiche personne")
        admin.absent("Export CSV des contacts")
        admin.chip("Sophie Lefèvre").click()
        admin.see(re.compile(r"Page 1 / 1 · [1-9]\d* résultat"))
        admin.absent("Consultation du journal d'audit")
        admin.shot("journal-reads-by-sophie")

        admin.chip("Exports et rapports").click()
        admin.see("Export CSV des contacts")
        admin.absent("Lecture d'une fiche personne")
        admin.shot("journal-exports-by-sophie")
    finally:
        console.stop()
        server.stop()
