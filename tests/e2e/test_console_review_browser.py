"""Supervision in Chromium at 1440×900: the supervisor reviews contacts, arbitrates the
demo's hard conflict, merges and un-merges the demo's duplicate, reads a pathway."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from app.store import LocalStore
from app.sync.client import SyncClient
from domain.hlc import Hlc, wall_ms
from domain.ids import uuid7
from scripts.processes import Proc
from tests.e2e.console_steps import DemoConsole
from tests.e2e.ui import Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


@dataclass
class Console:
    ui: Ui
    server: Proc


@pytest.fixture
def console(demo_console: DemoConsole, supervisor: Ui) -> Console:
    return Console(supervisor, demo_console.server)


def _open_row(ui: Ui, when: str) -> None:
    """Open the contact of the row dated `when` by its « Ouvrir » link, named after that
    contact, with one click; the panel opened is that contact's."""
    link = ui.page.get_by_role("button", name=f"Ouvrir le contact du {when}")
    ui.click_when_still(link.first)
    expect(ui.page.get_by_text(f"Contact du {when}", exact=True)).to_be_visible()


def test_review_queue_sends_a_contact_back_with_a_comment(console: Console) -> None:
    ui = console.ui
    ui.section("Revue")
    ui.see(re.compile(r"Revue des contacts \(\d+\)"))
    expect(ui.chip("Reçu")).to_be_checked()
    expect(
        ui.page.get_by_role("button", name=re.compile(r"^Ouvrir le contact du ")).first
    ).to_be_visible()
    ui.shot("review-queue")
    # The first contact of the queue, known by its date as a supervisor would read it.
    first_row = ui.page.get_by_role("row").nth(1).aria_snapshot()
    when = re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", first_row)
    assert when is not None, first_row
    _open_row(ui, when.group())
    ui.see("Historique")
    ui.see(re.compile(r"Appliquée"))
    ui.shot("review-panel")
    ui.tap("À corriger")
    ui.see("Écrivez un commentaire pour le médiateur avant « À corriger ».")
    ui.fill("Commentaire pour le médiateur", "Préciser le besoin exprimé, merci.")
    ui.tap("À corriger")
    ui.see(re.compile(r"^À corriger : "))
    ui.shot("review-sent-back")
    # The contact left the "Reçu" queue; it is in "À corriger" with its comment.
    ui.chip("À corriger").click()
    expect(ui.chip("À corriger")).to_be_checked()
    ui.settled()
    _open_row(ui, when.group())
    ui.see("Préciser le besoin exprimé, merci.")
    ui.shot("review-to-fix-filter")


def test_conflict_duplicates_and_pathway(console: Console) -> None:
    ui = console.ui
    ui.section("Conflits")
    ui.see("Conflits à arbitrer (1)")
    ui.see("Aïcha N'DIAYE · Inscrit à France Travail")
    ui.see(re.compile(r"par Amina Diallo, reçu le"))
    ui.see(re.compile(r"par Karim Benali, reçu le"))
    # A yes/no field: another value is picked among its values, never typed.
    expect(ui.page.get_by_role("textbox")).to_have_count(0)
    ui.shot("conflicts")
    ui.tap("Enregistrer ce choix")
    ui.see("Choisissez la valeur à garder.")
    ui.click_when_still(ui.chip("Ne sait pas"))
    expect(ui.chip("Ne sait pas")).to_be_checked()
    ui.tap("Enregistrer ce choix")
    ui.see("Conflit résolu : Inscrit à France Travail = Ne sait pas.")
    ui.see("Aucun conflit en attente.")
    ui.shot("conflict-resolved")

    ui.section("Doublons")
    ui.see(re.compile(r"même téléphone"))
    ui.see("Mohammed BEN YAHIA")
    ui.see("Téléphone : •• •• •• •• 67")
    ui.shot("duplicates")
    ui.button(re.compile(r"^Fusionner dans ")).first.click()  # type: ignore[arg-type]
    ui.see(re.compile(r"fusionné·e dans"))
    expect(ui.button("Annuler la fusion")).to_have_count(1)
    ui.shot("merged")
    ui.tap("Annuler la fusion")
    ui.see(re.compile(r"^Fusion annulée"))
    ui.see("Aucune fusion.")
    ui.shot("unmerged")

    ui.section("Parcours")
    ui.fill("Rechercher (nom, prénom ou téléphone)", "ndiaye")
    ui.tap("Rechercher")
    ui.see(re.compile(r"Personnes \(1\)"))
    ui.page.get_by_role("button", name=re.compile(r"^Aïcha N'DIAYE")).click()
    ui.see("Parcours de Aïcha N'DIAYE")
    ui.see("Chronologie")
    ui.see(re.compile(r"Orientation vers "))
    ui.shot("pathway")


def test_all_contacts_of_an_action_validated_in_one_step_then_undone(console: Console) -> None:
    ui = console.ui
    ui.section("Revue")
    ui.see(re.compile(r"Revue des contacts \(\d+\)"))
    ui.settled()
    # The first contact logged at an action de terrain (its "Action de terrain" cell
    # is not "—"), known by its date as a supervisor reads it.
    when = None
    rows = ui.page.get_by_role("row")
    for n in range(1, rows.count()):
        text = rows.nth(n).aria_snapshot()
        found = re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", text)
        if found and "—" not in text:
            when = found.group()
            break
    assert when is not None
    _open_row(ui, when)
    ui.tap("Valider tous les contacts reçus de cette action")
    validated = ui.see(re.compile(r"^\d+ contact\(s\) de l'action « .* » validé\(s\)"))
    count = int(validated.inner_text().split(" ", 1)[0])
    assert count >= 1
    ui.shot("bulk-validated")
    ui.tap("Annuler")
    ui.see(f"Validation annulée : {count} contact(s) remis dans leur état précédent.")
    ui.shot("bulk-undone")

    # The queue's filters survive a trip to another section.
    ui.click_when_still(ui.chip("À corriger"))
    expect(ui.chip("À corriger")).to_be_checked()
    ui.section("Conflits")
    ui.section("Revue")
    expect(ui.chip("À corriger")).to_be_checked()
    ui.shot("filters-kept")


def test_a_corrected_phone_number_and_orientation_status_reach_the_phone(
    console: Console, out_dir: Path
) -> None:
    store = LocalStore(out_dir / "phone.sqlite3")
    phone = SyncClient(store, console.server.url)
    try:
        phone.login("amina", "relais-demo", "téléphone d'Amina")
        phone.sync()
        [aicha] = [r for r in store.rows("person") if r.data.get("last_name") == "N'Diaye"]
        [orientation] = store.rows("orientation", equals={"person_id": aicha.id})

        ui = console.ui
        ui.section("Parcours")
        ui.fill("Rechercher (nom, prénom ou téléphone)", "ndiaye")
        ui.tap("Rechercher")
        ui.see(re.compile(r"Personnes \(1\)"))
        ui.page.get_by_role("button", name=re.compile(r"^Aïcha N'DIAYE")).click()
        ui.see("Parcours de Aïcha N'DIAYE")
        ui.fill("Téléphone", "07 12 34 56 78")
        ui.tap("Enregistrer la correction")
        ui.see("Fiche corrigé(e) : envoyé(e) aux téléphones.")
        ui.click_when_still(ui.chip("Honorée"))
        ui.see("Orientation (« Honorée ») corrigé(e) : envoyé(e) aux téléphones.")
        ui.see("Honorée · Inscription et premier rendez-vous")  # the pathway read again
        ui.shot("corrected")

        phone.sync()
        person = store.get("person", aicha.id)
        assert person is not None and person.data["phone"] == "07 12 34 56 78"
        got = store.get("orientation", orientation.id)
        assert got is not None and got.data["status"] == "attended"
    finally:
        phone.close()
        store.close()


def test_a_revoked_phone_s_late_entry_is_applied_by_the_supervisor(console: Console) -> None:
    """Karim's phone is revoked while it holds an entry it logged before: the entry
    waits in « Conflits » with what it would change, until Sophie applies it."""
    base = console.server.url
    karim = httpx.post(
        f"{base}/auth/login",
        json={"username": "karim", "password": "relais-demo", "device_name": "téléphone volé"},
    ).json()
    logged = Hlc(wall_ms(), 0, karim["device_id"]).encode()
    time.sleep(0.05)  # revoked strictly after the entry was logged
    admin = httpx.post(
        f"{base}/auth/login", json={"username": "admin", "password": "relais-demo"}
    ).json()
    revoked = httpx.post(
        f"{base}/admin/devices/{karim['device_id']}/revoke",
        headers={"Authorization": f"Bearer {admin['token']}"},
    )
    assert revoked.status_code == 200, revoked.text
    entry = {
        "op_id": uuid7(),
        "device_seq": 1,
        "entity": "person",
        "row_id": uuid7(),
        "hlc": logged,
        "set": {"first_name": "Yasmine", "last_name": "Tardive"},
    }
    pushed = httpx.post(
        f"{base}/sync/push",
        json={"ops": [entry]},
        headers={"Authorization": f"Bearer {karim['token']}"},
    ).json()
    assert pushed["device_revoked"] is True

    ui = console.ui
    ui.section("Conflits")
    ui.see("Saisies d'un appareil révoqué, en attente (1)")
    ui.see("Prénom : (vide) deviendrait « Yasmine »")
    ui.see(re.compile(r"Karim Benali \(téléphone volé\)"))
    ui.shot("held-entry")
    ui.tap("Appliquer")
    ui.see(re.compile(r"^Saisie de Karim Benali appliquée"))
    ui.shot("held-entry-applied")
