"""A supervisor merges the demo's duplicate field by field, in Chromium (1440×900):
she keeps Amina's record of Mohamed Benyahia but the spelling of his last name from
Karim's, merges, and the server holds exactly that; undone, each record is his own again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.models import Record
from tests.e2e.console_steps import DemoConsole
from tests.e2e.ui import Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def _benyahias(db_url: str) -> dict[str, dict[str, object]]:
    """The two records, by the first name each was logged with."""
    engine = make_engine(Settings(database_url=db_url))
    with Session(engine) as session:
        rows = session.exec(select(Record).where(Record.entity == "person")).all()
    engine.dispose()
    return {
        str(r.data["first_name"]): {**r.data, "id": r.id}
        for r in rows
        if str(r.data.get("first_name")).startswith("Moham")
    }


def test_a_duplicate_merged_field_by_field(demo_console: DemoConsole, supervisor: Ui) -> None:
    ui = supervisor
    ui.section("Doublons")
    ui.see("Mohammed BEN YAHIA")
    ui.tap("Choisir champ par champ")
    ui.see("Fiche conservée")
    ui.see("Valeur gardée, champ par champ")
    ui.see("Nom d'usage")
    kept = ui.page.get_by_role("radio", name=re.compile(r"^Mohamed BENYAHIA \("))
    ui.click_when_still(kept)
    expect(kept).to_be_checked()
    # Following the record kept, the first name reads « Mohamed »; the last name is
    # taken from the other record.
    expect(ui.page.get_by_role("radio", name="Mohamed", exact=True)).to_be_checked()
    spelling = ui.page.get_by_role("radio", name="Ben Yahia", exact=True)
    ui.click_when_still(spelling)
    expect(spelling).to_be_checked()
    ui.shot("merge-chooser")
    ui.tap("Fusionner avec ces choix")
    ui.see("Fiches fusionnées : la fiche de Mohamed BENYAHIA est conservée.")
    ui.shot("merged-with-choices")

    records = _benyahias(demo_console.db_url)
    survivor, other = records["Mohamed"], records["Mohammed"]
    assert survivor["last_name"] == "Ben Yahia" and survivor.get("merged_into") is None
    assert other["merged_into"] == survivor["id"]

    ui.tap("Annuler la fusion")
    ui.see(re.compile(r"^Fusion annulée"))
    records = _benyahias(demo_console.db_url)
    assert records["Mohammed"]["merged_into"] is None
    assert records["Mohamed"]["last_name"] == "Benyahia"  # his own spelling back
    ui.shot("unmerged")
