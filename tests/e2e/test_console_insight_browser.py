"""Indicators, exports and administration in Chromium at 1440×900.

The supervisor reads the quarter's indicators (figures checked against the API),
switches quarter, downloads the quarterly report and opens it; the admin creates
an account and generates a one-time code that Amina types on her phone (once).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from domain.periods import recent_quarters
from scripts.processes import free_port, seed_server, start_app, start_server
from tests.e2e.console_steps import sign_in
from tests.e2e.ui import DESKTOP, PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def _api_token(server_url: str, username: str) -> dict[str, str]:
    res = httpx.post(
        f"{server_url}/auth/login",
        json={"username": username, "password": "relais-demo", "device_name": "test"},
    )
    res.raise_for_status()
    return {"Authorization": f"Bearer {res.json()['token']}"}


def test_supervisor_indicators_exports_and_admin_enrolment(browser: Browser, out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir, free_port())
    console = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
    try:
        expected = httpx.get(
            f"{server.url}/console/indicators", headers=_api_token(server.url, "sophie")
        ).json()
        desk = Ui.open(browser, console.url, out_dir / "supervisor", DESKTOP)
        sign_in(desk, "sophie", "relais-demo")
        expect(desk.page.get_by_role("button", name=re.compile("^Administration"))).to_have_count(0)
        desk.section("Indicateurs")
        desk.see(f"Indicateurs · {expected['period_label']}")
        desk.see(f"dont {expected['anonymous_contacts']} anonymes")
        desk.see(f"Contacts : {expected['contacts']}")  # the weekly chart's legend
        desk.see("Freins repérés (personnes concernées)")
        # The canvas paints after the semantics tree; the first charts take a while.
        desk.page.wait_for_timeout(2500)
        desk.shot("indicators")
        # Below the fold: the publics' charts (labels apart, legend whole) and the
        # partners' answers.
        desk.page.mouse.move(700, 600)
        desk.page.mouse.wheel(0, 900)
        desk.see(re.compile(r"^Orientations ayant reçu une réponse : \d+ sur \d+$"))
        desk.see(re.compile(r"^Non renseigné : \d+$"))
        desk.page.wait_for_timeout(1500)
        desk.shot("indicators-publics-and-partners")

        previous = recent_quarters(dt.date.today(), 2)[1].label
        desk.chip(previous).click()
        desk.see(f"Indicateurs · {previous}")
        desk.page.wait_for_timeout(1500)
        desk.shot("indicators-previous-quarter")

        desk.section("Exports")
        desk.see("Rapport trimestriel (Excel)")
        desk.chip("Rouher").click()  # the report for one QPV
        desk.see(re.compile(r"Exports · .* · QPV Rouher"))
        with desk.page.expect_download(timeout=30_000) as download:
            desk.page.get_by_role("button", name="Télécharger").first.click()
        path = download.value.path()
        assert download.value.suggested_filename.endswith(".xlsx")
        sheet = load_workbook(io.BytesIO(Path(path).read_bytes())).active
        assert sheet is not None
        values = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0]}
        assert "Contacts" in values
        desk.see(re.compile(r"« relais-rapport-.*\.xlsx » prêt"))
        desk.shot("exports-done")

        admin = Ui.open(browser, console.url, out_dir / "admin", DESKTOP)
        sign_in(admin, "admin", "relais-demo")
        admin.section("Administration")
        admin.see("Nouveau compte")
        admin.fill("Identifiant", "lucie")
        admin.fill("Nom affiché", "Lucie Martin")
        admin.fill("Structure employeuse (facultatif)", "Mission Locale de la Vallée de l'Oise")
        admin.fill("Mot de passe initial", "premier-mdp")
        admin.tap("Créer le compte")
        admin.see("Compte « lucie » créé (Médiateur).")
        admin.see("Lucie Martin")
        admin.see("Mission Locale de la Vallée de l'Oise")
        admin.shot("admin-users")
        # A programme account: the form says what it will see.
        admin.chip("Programme").click()
        admin.see(re.compile(r"^Un compte programme \(préfecture, ANCT\) voit les indicateurs"))

        admin.page.get_by_role("button", name="Appareils").nth(1).click()  # Amina
        admin.see("Appareils de Amina Diallo")
        admin.tap("Générer un code d'enrôlement")
        code = admin.see(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$"))
        code_text = code.inner_text()
        admin.page.mouse.wheel(0, 600)
        admin.page.wait_for_timeout(800)
        admin.shot("admin-enrol-code")
        # Amina types the code on her phone instead of a password.
        field = start_app("field", server.url, out_dir / "phone.sqlite3", out_dir)
        try:
            phone = Ui.open(browser, field.url, out_dir / "phone", PHONE)
            phone.tap("J'ai un code d'enrôlement")
            phone.type_at_cursor("Code d'enrôlement", "ABCD-234")
            phone.tap("Enrôler ce téléphone")
            phone.see("Le code d'enrôlement a 8 caractères, par exemple ABCD-2345.")
            typed = code_text.strip().lower().replace("-", " ")
            phone.fill("Code d'enrôlement", typed, shows=re.compile(re.escape(typed), re.I))
            phone.shot("enrol-with-code")
            phone.tap("Enrôler ce téléphone")
            phone.see("Choisissez un code PIN")
            phone.shot("enrolled-pin-setup")
        finally:
            field.stop()
        enrol = {"code": code_text.strip(), "device_name": "Pixel test"}
        assert httpx.post(f"{server.url}/auth/enrol", json=enrol).status_code == 401  # spent

        admin.chip("Référentiels et conservation").click()
        admin.see("Quartiers prioritaires (QPV)")
        admin.fill("Durée (mois, 1 à 36)", "40")
        admin.tap("Enregistrer")
        admin.see("La durée de conservation doit être comprise entre 1 et 36 mois.")
        admin.fill("Durée (mois, 1 à 36)", "18")
        admin.tap("Enregistrer")
        admin.see("Conservation réglée à 18 mois après le dernier contact.")
        admin.shot("admin-referentials")
    finally:
        console.stop()
        server.stop()
