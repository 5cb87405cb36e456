"""A supervisor names Karim the référent of a person from the console (1440×900); the
pathway then shows him as the chosen référent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.ui import Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]


def test_supervisor_names_a_referent(supervisor: Ui) -> None:
    ui = supervisor
    ui.section("Parcours")
    ui.settled()
    ui.fill("Rechercher (nom, prénom ou téléphone)", "ndiaye")
    ui.tap("Rechercher")
    ui.settled()
    ui.click_when_still(ui.page.get_by_role("button", name=re.compile(r"^Aïcha N'DIAYE")))
    ui.see("Parcours de Aïcha N'DIAYE")
    expect(ui.chip("Karim Benali")).not_to_be_checked()
    ui.chip("Karim Benali").click()
    ui.see("Karim Benali est référent·e de Aïcha N'DIAYE.")
    expect(ui.chip("Karim Benali")).to_be_checked()
    ui.shot("referent-named")
