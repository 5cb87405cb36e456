"""« Annuler » undoes exactly the last entry; a message belongs to one screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.field.state.field_state import FieldState
from tests.factories import make_field_state


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    try:
        yield field_state
    finally:
        field_state.store.close()


def _live_contacts(state: FieldState) -> list[str]:
    return [c.id for c in state.store.rows("contact") if not c.deleted]


def test_undo_after_a_contact_from_a_person_page_deletes_that_contact(state: FieldState) -> None:
    state.quick_contact("under_26", None, None)
    [anonymous] = _live_contacts(state)
    person_id = state.save_person_with_contact({"first_name": "Zoé"}, {"need": "Emploi"}, None)
    assert state.notice_for(f"/personne/{person_id}") == "Contact enregistré."
    added = state.add_contact(person_id, {"note": "Rappel lundi"})
    assert state.undo_contact_id == added
    assert not state.last_contact_is_anonymous()  # the tally offers no undo now

    state.undo_last_contact()

    live = _live_contacts(state)
    assert added not in live
    assert anonymous in live and len(live) == 2  # the tally's and the new person's
    assert state.undo_contact_id is None  # a second « Annuler » reaches nothing further
    state.undo_last_contact()
    assert len(_live_contacts(state)) == 2


def test_the_tally_undoes_its_last_tap_only(state: FieldState) -> None:
    state.quick_contact("under_26", None, None)
    state.quick_contact("26_49", "f", None)
    assert state.last_contact_is_anonymous()
    state.undo_last_contact()
    [kept] = [c for c in state.store.rows("contact") if not c.deleted]
    assert kept.data["age_band"] == "under_26"
    assert not state.last_contact_is_anonymous()


def test_any_other_entry_ends_the_undo(state: FieldState) -> None:
    state.quick_contact("under_26", None, None)
    person_id = state.save_person_with_contact({"first_name": "Zoé"}, {"need": "Emploi"}, None)
    state.pathways.add_followup(person_id, dt.date.today(), "Rappeler")
    assert state.undo_contact_id is None
    state.undo_last_contact()
    assert len(_live_contacts(state)) == 2


def test_a_message_shows_on_its_screen_only_and_expires(state: FieldState) -> None:
    person_id = state.save_person_with_contact({"first_name": "Zoé"}, {"need": "Emploi"}, None)
    here = f"/personne/{person_id}"
    assert state.notice_for(here) == "Contact enregistré."
    assert state.notice_for("/") is None
    assert state.notice_for("/personne/someone-else") is None
    serial = state.notice_serial
    state.quick_contact("under_26", None, None)  # a newer message (no route: any screen)
    state.expire_notice(serial)  # the older one fading out does not remove the newer
    assert state.notice_for("/") == "Contact anonyme compté."
    state.expire_notice(state.notice_serial)
    assert state.notice_for("/") is None
