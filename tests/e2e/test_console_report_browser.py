"""The programme's quarterly report in Chromium at 1440×900: the supervisor downloads the
PDF from Exports, and it reads back with the dashboard's figures of the quarter."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from domain.disclosure import protect_count
from domain.periods import quarter_of
from scripts.processes import free_port, seed_server, start_app, start_server
from tests.e2e.console_steps import sign_in
from tests.e2e.ui import DESKTOP, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def test_supervisor_downloads_the_programme_report_as_pdf(browser: Browser, out_dir: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run the tests through ./relais test (poppler-utils)")
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir, free_port())
    console = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
    try:
        login = httpx.post(
            f"{server.url}/auth/login",
            json={"username": "sophie", "password": "relais-demo", "device_name": "test"},
        )
        token = {"Authorization": f"Bearer {login.json()['token']}"}
        expected = httpx.get(f"{server.url}/console/indicators", headers=token).json()
        quarter = quarter_of(dt.date.fromisoformat(expected["date_from"]))

        ui = Ui.open(browser, console.url, out_dir / "supervisor", DESKTOP)
        sign_in(ui, "sophie", "relais-demo")
        ui.section("Exports")
        ui.see("Rapport du programme")
        ui.see(re.compile(f"^{quarter.label}, toute la cité"))
        ui.shot("exports-with-programme-report")
        with ui.page.expect_download(timeout=60_000) as download:
            ui.tap("Télécharger (PDF)")
        assert download.value.suggested_filename == f"relais-rapport-programme-{quarter.slug}.pdf"
        pdf = out_dir / download.value.suggested_filename
        download.value.save_as(pdf)
        ui.see(re.compile(r"« relais-rapport-programme-.*\.pdf » prêt"))
        ui.shot("programme-report-downloaded")

        assert pdf.read_bytes().startswith(b"%PDF")
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert f"Cité de l'emploi de Creil · {quarter.label}" in text
        contacts = next(line for line in text.splitlines() if line.strip().startswith("Contacts  "))
        assert contacts.split()[-1] == str(protect_count(expected["contacts"]))
        # The first page as a picture, to look at beside the screenshots.
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(out_dir / "pdf")],
            check=True,
        )
    finally:
        console.stop()
        server.stop()
