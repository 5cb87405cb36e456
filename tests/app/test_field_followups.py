"""Relances on the phone: each belongs to a mediator; due, within 7 days and later;
the mediator's own by default, the whole cité's on demand; the tab's count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.field.screens.new_person import PersonForm
from app.field.state.field_state import FieldState
from app.field.state.pathway_actions import DueFollowup
from domain.sync import RowOut
from tests.factories import make_field_state

KARIM = "01900000-0000-7000-8000-00000000ca01"
TODAY = dt.date.today()


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    yield field_state
    field_state.store.close()


def _person(state: FieldState, name: str) -> str:
    return state.save_person_with_contact(PersonForm(first_name=name).person_values(None), {}, None)


def _karims_followup(state: FieldState, person_id: str, due: dt.date) -> None:
    """A relance of Karim's, pulled from the server."""
    row = RowOut(
        entity="followup",
        id="01900000-0000-7000-8000-00000000f001",
        version=1,
        data={
            "person_id": person_id,
            "mediator_id": KARIM,
            "due_date": due.isoformat(),
            "what": "x",
        },
    )
    state.store.apply_pulled([row])


def _names(rows: list[DueFollowup]) -> list[str]:
    return [d.row.data["what"] for d in rows]


def test_relances_by_when_mine_and_the_cites(state: FieldState) -> None:
    lea = _person(state, "Léa")
    state.pathways.add_followup(lea, TODAY, "aujourd'hui")
    state.pathways.add_followup(lea, TODAY + dt.timedelta(days=3), "dans 3 jours")
    state.pathways.add_followup(lea, TODAY + dt.timedelta(days=7), "dans 7 jours")
    state.pathways.add_followup(lea, TODAY + dt.timedelta(days=20), "dans 20 jours")
    _karims_followup(state, lea, TODAY - dt.timedelta(days=1))
    me = state.user["id"]
    mine = [r.data.get("mediator_id") for r in state.store.rows("followup")]
    assert mine.count(me) == 4

    assert _names(state.pathways.due_followups()) == ["aujourd'hui"]
    soon, later = state.pathways.upcoming_followups()
    assert _names(soon) == ["dans 3 jours", "dans 7 jours"]
    assert _names(later) == ["dans 20 jours"]
    assert state.pathways.due_count() == 1

    state.pathways.set_scope(False)  # the whole cité: Karim's late one too
    due = state.pathways.due_followups()
    assert _names(due) == ["x", "aujourd'hui"]
    assert due[0].overdue
    assert state.pathways.due_count() == 1  # the badge counts the mediator's own only

    state.pathways.mark_followup_done(state.pathways.due_followups(mine=True)[0].row.id)
    assert state.pathways.due_count() == 0


# --- référent, « Mes personnes » -------------------------------------------------------


def test_becoming_a_persons_referent_lists_her_in_my_persons(state: FieldState) -> None:
    me = state.user["id"]
    lea = _person(state, "Léa")  # met by me: I follow her until someone is chosen
    omar = state.save_person_with_contact(
        PersonForm(first_name="Omar").person_values(None), {}, None
    )
    # Karim met Omar after me: he follows Omar now.
    contact = RowOut(
        entity="contact",
        id="01900000-0000-7000-8000-00000000c0c1",
        version=1,
        data={
            "person_id": omar,
            "mediator_id": KARIM,
            "occurred_at": (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).isoformat(),
            "channel": "phone",
        },
    )
    state.store.apply_pulled([contact])
    assert [p.id for p in state.pathways.my_persons()] == [lea]
    pathway = state.pathways.pathway(omar)
    assert pathway is not None and (pathway.referent_id, pathway.referent_chosen) == (KARIM, False)

    state.pathways.become_referent(omar)
    assert state.notice == "Vous êtes référent·e de Omar."
    assert {p.id for p in state.pathways.my_persons()} == {lea, omar}
    pathway = state.pathways.pathway(omar)
    assert pathway is not None and (pathway.referent_id, pathway.referent_chosen) == (me, True)
    pending = state.store.sync_status().pending
    state.pathways.become_referent(omar)  # again: nothing written
    assert state.notice == "Vous êtes déjà référent·e de cette personne."
    assert state.store.sync_status().pending == pending
    assert {p.id for p in state.pathways.cite_persons()} == {lea, omar}
