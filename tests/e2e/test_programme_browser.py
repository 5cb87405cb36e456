"""A préfecture correspondent reads its cités side by side, in Chromium (1440×900):
the operator creates a second cité and a programme account over both; signed in to
the console, the correspondent sees one screen « Programme » with each cité's
figures and their total, under statistical secrecy, and never a person."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from scripts.processes import Proc, seed_server, start_app, start_server
from sync_server import cli
from sync_server.jobs.seed import CITE_NAME
from tests.e2e.console_steps import sign_in
from tests.e2e.ui import DESKTOP, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

NOGENT = "Cité de l'emploi de Nogent-sur-Oise"
PASSWORD = "Oise-Indicateurs-2026"


@dataclass
class Setup:
    server: Proc
    app: Proc


@pytest.fixture
def setup(out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    # What the operator types on the server (./relais admin …).
    monkeypatch.setenv("RELAIS_DATABASE_URL", db_url)
    assert cli.main(["admin", "create-cite", "--name", NOGENT]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    created = cli.main(
        ["admin", "create-programme", "--username", "prefecture", "--cite", CITE_NAME,
         "--cite", NOGENT, "--display-name", "Préfecture de l'Oise"]
    )  # fmt: skip
    assert created == 0
    server = start_server(db_url, out_dir)
    app = start_app("console", server.url, out_dir / "console.sqlite3", out_dir)
    try:
        yield Setup(server, app)
    finally:
        app.stop()
        server.stop()


def _figures(server_url: str) -> dict[str, list[str]]:
    """What the server answers for the current quarter, row label → cells as shown."""
    with httpx.Client(base_url=server_url) as http:
        body = {"username": "prefecture", "password": PASSWORD, "device_name": "contrôle"}
        token = http.post("/auth/login", json=body).json()["token"]
        answer = http.get("/programme/indicators", headers={"Authorization": f"Bearer {token}"})
    [key] = [t for t in answer.json()["tables"] if t["title"] == "Chiffres clés"]
    return {r["label"]: [str(c) for c in r["cells"]] for r in key["rows"]}


def test_a_prefecture_reads_two_cites_side_by_side(
    setup: Setup, browser: Browser, out_dir: Path
) -> None:
    desk = Ui.open(browser, setup.app.url, out_dir / "desktop", DESKTOP)
    sign_in(desk, "prefecture", PASSWORD, header="Relais · Programme")
    desk.see(re.compile(r"^Programme · "))
    desk.see(CITE_NAME)
    desk.see(NOGENT)
    desk.see("Ensemble")
    figures = _figures(setup.server.url)
    creil, nogent, total = figures["Contacts"]
    # Nogent has no activity: its true zero shows, and the total is Creil's figure.
    assert nogent == "0" and total == creil
    desk.shot("programme-side-by-side")
    with desk.page.expect_download(timeout=30_000) as download:
        desk.tap("Télécharger le tableau (Excel)")
    assert download.value.suggested_filename.startswith("relais-programme-")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet is not None
    lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    as_cells = [int(c) if c.isdigit() else c for c in (creil, nogent, total)]
    assert ["Contacts", *as_cells] in lines
    desk.see(re.compile(r"« relais-programme-.*\.xlsx » prêt\."))
    with desk.page.expect_download(timeout=60_000) as report:
        desk.tap("Rapport trimestriel (PDF)")
    assert re.fullmatch(r"relais-programme-rapport-\d{4}-T\d\.pdf", report.value.suggested_filename)
    assert Path(report.value.path()).read_bytes().startswith(b"%PDF")
    desk.see(re.compile(r"« relais-programme-rapport-.*\.pdf » prêt\."))
    row = desk.page.get_by_role("row", name=re.compile(r"^Contacts \d"))
    expect(row).to_have_accessible_name(f"Contacts {creil} {nogent} {total}")
    # Aggregated only: no sections of a cité's team, nobody's name.
    desk.absent("Doublons")
    desk.absent(re.compile("BEN YAHIA", re.IGNORECASE))
    desk.page.mouse.wheel(0, 1500)
    desk.see("Publics : genre")
    desk.shot("programme-publics")
    desk.tap("Se déconnecter")
    desk.see("Se connecter")
