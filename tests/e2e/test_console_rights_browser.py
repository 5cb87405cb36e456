"""Rights and retention (docs/architecture.md §4.6, §4.7) in Chromium at 1440×900: on
the Parcours section a supervisor exports a person's data, reads whose data is
anonymised within 30 days, and erases a person, who then leaves the console (and the
phone that logged them, at its next sync)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from app.store import LocalStore
from app.sync.client import SyncClient
from scripts.processes import seed_server, start_app, start_server
from sync_server.crud.retention import months_before
from tests.e2e.console_steps import sign_in
from tests.e2e.ui import DESKTOP, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

DUE_NAME = "Zéphyrine QUATREBARBES"


def _log_a_person_last_met_long_ago(store: LocalStore, phone: SyncClient) -> str:
    """Amina's phone logs a person whose last contact is 23 months and 20 days old:
    anonymised in about 10 days under the default 24 months."""
    me = phone.login("amina", "relais-demo", "téléphone de test").user["id"]
    person = store.create(
        "person", {"first_name": "Zéphyrine", "last_name": "Quatrebarbes", "gender": "f"}
    )
    met = months_before(dt.datetime.now(dt.UTC), 23) - dt.timedelta(days=20)
    store.create(
        "contact",
        {
            "person_id": person,
            "occurred_at": met.isoformat(timespec="seconds"),
            "channel": "drop_in",
            "mediator_id": me,
            "note": "Zéphyrine cherche un CAP cuisine",
        },
    )
    phone.sync()
    return person


def _search(ui: Ui, text: str) -> None:
    ui.fill("Rechercher (nom, prénom ou téléphone)", text)
    ui.tap("Rechercher")
    ui.settled()


def test_supervisor_exports_sees_the_30_day_list_and_erases(
    browser: Browser, out_dir: Path
) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    store = LocalStore(out_dir / "phone.sqlite3")
    phone = SyncClient(store, server.url)
    console = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
    try:
        due_id = _log_a_person_last_met_long_ago(store, phone)
        ui = Ui.open(browser, console.url, out_dir / "console", DESKTOP)
        sign_in(ui, "sophie", "relais-demo")
        ui.section("Parcours")
        ui.see("Anonymisations dans les 30 prochains jours (1)")
        ui.see(DUE_NAME)
        ui.settled()
        ui.shot("retention-list")

        # Export: the file holds everything, the contacts' notes included.
        _search(ui, "ndiaye")
        ui.see(re.compile(r"Personnes \(1\)"))
        ui.click_when_still(ui.page.get_by_role("button", name=re.compile(r"^Aïcha N'DIAYE")))
        ui.see("Parcours de Aïcha N'DIAYE")
        with ui.page.expect_download(timeout=30_000) as download:
            ui.tap("Exporter ses données (RGPD)")
        assert re.fullmatch(r"relais-personne-[0-9a-f-]+\.json", download.value.suggested_filename)
        doc = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert doc["personne"]["prénom"] == "Aïcha"
        assert doc["personne"]["nom d'usage"] == "N'Diaye"
        assert "Intéressé·e par l'atelier CV de jeudi." in [c.get("note") for c in doc["contacts"]]
        ui.see(
            re.compile(r"^Données de Aïcha N'DIAYE exportées \(\d+,\d Ko\) : « relais-personne-")
        )
        ui.shot("exported")

        # Back to the 30-day list; open the person due from it.
        ui.tap("Fermer")
        ui.see("Anonymisations dans les 30 prochains jours (1)")
        ui.tap(f"Ouvrir le parcours de {DUE_NAME}", exact=False)
        ui.see(f"Parcours de {DUE_NAME}")
        ui.see(re.compile(r"^Anonymisation prévue le \d\d/\d\d/\d{4} : "))
        ui.absent(re.compile(r"^Données de Aïcha N'DIAYE exportées"))  # about another person
        ui.shot("due-pathway")

        # Erase: the dialog says what it does and wants a reason.
        ui.tap("Effacer ses données")
        ui.see(f"Effacer les données de {DUE_NAME} ?")
        ui.see("Cet effacement est définitif : il ne pourra pas être annulé.")
        ui.see(re.compile(r"puis de chaque téléphone à sa prochaine synchronisation"))
        ui.tap("Effacer définitivement")
        ui.see(re.compile(r"^Indiquez le motif de l'effacement"))
        ui.shot("erase-reason-required")
        ui.fill("Motif de l'effacement (obligatoire)", "demande de la personne du 3 mars")
        ui.shot("erase-dialog")
        ui.tap("Effacer définitivement")
        ui.see(re.compile(r"^Données effacées \(2 fiche\(s\)\) ; les téléphones les retireront"))
        ui.see("Aucune anonymisation prévue dans les 30 prochains jours.")
        ui.absent(f"Parcours de {DUE_NAME}")
        ui.absent(DUE_NAME)
        ui.settled()
        ui.shot("erased")

        # Gone from the console's search, and from the phone at its next sync.
        _search(ui, "quatrebarbes")
        ui.see(re.compile(r"Personnes \(0\)"))
        ui.see("Aucune personne trouvée.")
        ui.shot("erased-search")
        phone.sync()
        row = store.get("person", due_id)
        assert row is None or row.deleted
        ui.page.close()
    finally:
        phone.close()
        store.close()
        console.stop()
        server.stop()
