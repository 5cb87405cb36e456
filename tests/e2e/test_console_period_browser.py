"""The review queue's period at 1440×900: a day picked in Flutter's calendar (in French)
or typed, applied with one click, and still there after a trip to another section."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Locator, expect

from tests.e2e.ui import Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
DAY = re.compile(r"\d\d/\d\d/\d{4}")


def _box(ui: Ui, label: str) -> Locator:
    # Flutter mirrors a field's text into the DOM only once it has the focus.
    box = ui.page.get_by_role("textbox", name=label, exact=True)
    ui.click_when_still(box)
    return box


def _only_day_listed(ui: Ui, day: str) -> None:
    """The queue lists contacts of `day` only (the header row aside), at least one."""
    rows = ui.page.get_by_role("row")
    expect(rows.filter(has_not_text=day)).to_have_count(1)
    expect(rows.filter(has_text=day).first).to_be_visible()


def test_a_day_picked_in_the_calendar_filters_the_queue(supervisor: Ui) -> None:
    ui = supervisor
    ui.section("Revue")
    ui.see(re.compile(r"Revue des contacts \(\d+\)"))
    ui.settled()
    # Each row's link and tick box say whose contact they open or select.
    links = ui.page.get_by_role("button", name=re.compile(r"^Ouvrir le contact du "))
    names = [links.nth(n).aria_snapshot() for n in range(links.count())]
    assert len(names) >= 2 and len(set(names)) == len(names), names
    # A desktop's pointer targets: 24 px at least (WCAG 2.2), every one named.
    assert ui.small_or_unnamed_controls(min_px=24) == []
    # The day of the queue's first contact, as a supervisor reads it.
    first = DAY.search(ui.page.get_by_role("row").nth(1).aria_snapshot())
    assert first is not None
    day = dt.datetime.strptime(first.group(), "%d/%m/%Y").date()
    ui.tap("Calendrier : Du (JJ/MM/AAAA)", exact=False)
    ui.see("Annuler")
    today = dt.date.today()
    for _ in range((today.year - day.year) * 12 + today.month - day.month):
        ui.tap("Mois précédent")
    ui.shot("calendar")
    spoken = f"{day.day}, \\w+ {day.day} {MONTHS[day.month - 1]} {day.year}"
    ui.click_when_still(ui.page.get_by_role("button", name=re.compile(f"^{spoken}")))
    ui.shot("picked")
    ui.tap("OK")
    expect(_box(ui, "Du (JJ/MM/AAAA)")).to_have_value(f"{day:%d/%m/%Y}")
    ui.fill("Au (JJ/MM/AAAA)", f"{day:%d/%m/%Y}")
    ui.tap("Appliquer la période")
    ui.settled()
    _only_day_listed(ui, f"{day:%d/%m/%Y}")
    ui.shot("one-day")

    # The period and the list as they were, back from another section.
    ui.section("Conflits")
    ui.section("Revue")
    expect(_box(ui, "Du (JJ/MM/AAAA)")).to_have_value(f"{day:%d/%m/%Y}")
    _only_day_listed(ui, f"{day:%d/%m/%Y}")
