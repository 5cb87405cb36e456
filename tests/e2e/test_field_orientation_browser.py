"""An orientation's outcome reported, then the orientation withdrawn (asked first) and
brought back with « Annuler » (Chromium, 412×915)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from scripts.processes import seed_server, start_app, start_server
from tests.e2e.field_steps import login, open_person, sync
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def test_outcome_withdraw_and_undo(browser: Browser, out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    field = start_app("field", server.url, out_dir / "phone.sqlite3", out_dir)
    try:
        ui = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        login(ui, "amina")
        sync(ui)
        open_person(ui, "benyahia", "Mohamed BENYAHIA")
        ui.tap("Orienter")
        ui.chip("Cap emploi Oise").click()
        ui.tap("Enregistrer")
        ui.see("Orientation enregistrée.")

        ui.tap("Résultat de l'orientation vers Cap emploi Oise")
        ui.see("Rendez-vous non honoré")
        ui.chip("Rendez-vous honoré").click()
        ui.see("Résultat : Rendez-vous honoré.")
        ui.see("Résultat : Rendez-vous honoré")
        ui.shot("orientation-outcome")
        assert ui.small_or_unnamed_controls() == []
        assert ui.repeated_names() == []

        ui.tap("Retirer l'orientation vers Cap emploi Oise")
        ui.see("Retirer cette orientation ?")
        ui.shot("orientation-withdraw-confirm")
        ui.tap("Retirer l'orientation")
        ui.see("Orientation retirée.")
        ui.absent("Orientation vers Cap emploi Oise")
        ui.shot("orientation-withdrawn")
        ui.tap("Annuler le retrait")
        ui.see("Orientation rétablie.")
        ui.see(re.compile("Orientation vers Cap emploi Oise"))
    finally:
        field.stop()
        server.stop()
