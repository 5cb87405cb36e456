"""An orientation corrected, withdrawn (and brought back), its appointment and what came
of it; through FieldState on a real SQLite file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.field.screens.new_person import PersonForm
from app.field.state.field_state import FieldState
from domain.vocabulary import OrientationOutcome, OrientationStatus
from tests.factories import make_field_state

FT = "01900000-0000-7000-8000-0000000000f1"
ML = "01900000-0000-7000-8000-0000000000f2"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    yield field_state
    field_state.store.close()


def _oriented(state: FieldState) -> tuple[str, str]:
    person_id = state.save_person_with_contact(
        PersonForm(first_name="Inès").person_values(None), {}, None
    )
    return person_id, state.pathways.add_orientation(person_id, FT, "emploi", "Inscription")


def _data(state: FieldState, orientation_id: str) -> dict[str, object]:
    row = state.store.get("orientation", orientation_id)
    assert row is not None
    return {**row.data, "deleted": row.deleted}


def test_correct_an_orientation(state: FieldState) -> None:
    _, oid = _oriented(state)
    state.pathways.correct_orientation(oid, {"partner_id": ML, "theme": "jeunes"})
    data = _data(state, oid)
    assert (data["partner_id"], data["theme"], data["reason"]) == (ML, "jeunes", "Inscription")
    assert state.notice == "Orientation corrigée."


def test_appointment_then_outcome(state: FieldState) -> None:
    _, oid = _oriented(state)
    day = dt.date.today() + dt.timedelta(days=5)
    state.pathways.set_appointment(oid, day)
    data = _data(state, oid)
    assert (data["status"], data["appointment_date"]) == ("appointment", day.isoformat())
    state.pathways.report_outcome(oid, OrientationOutcome.MISSED)
    data = _data(state, oid)
    assert (data["outcome"], data["status"]) == ("missed", "appointment")
    state.pathways.report_outcome(oid, OrientationOutcome.TRAINING)
    data = _data(state, oid)
    assert (data["outcome"], data["status"]) == ("training", OrientationStatus.ATTENDED.value)
    assert data["feedback_date"] == dt.date.today().isoformat()
    assert state.notice == "Résultat : Entrée en formation."


def test_withdraw_then_undo_then_an_outcome_without_orientation_is_refused(
    state: FieldState,
) -> None:
    person_id, oid = _oriented(state)
    state.pathways.withdraw_orientation(oid)
    assert _data(state, oid)["deleted"] is True
    pathway = state.pathways.pathway(person_id)
    assert pathway is not None and pathway.orientation_count == 0  # no longer counted
    assert state.pathways.undo_orientation_id == oid
    pending = state.store.sync_status().pending
    with pytest.raises(ValueError, match="Aucune orientation à compléter"):
        state.pathways.report_outcome(oid, OrientationOutcome.EMPLOYMENT)
    assert "outcome" not in _data(state, oid)
    assert state.store.sync_status().pending == pending

    state.pathways.undo_withdraw_orientation()
    assert _data(state, oid)["deleted"] is False
    pathway = state.pathways.pathway(person_id)
    assert pathway is not None and pathway.orientation_count == 1
    assert state.notice == "Orientation rétablie." and state.pathways.undo_orientation_id is None


def test_undo_never_brings_back_an_orientation_after_another_entry(state: FieldState) -> None:
    person_id, oid = _oriented(state)
    state.pathways.withdraw_orientation(oid)
    state.pathways.add_followup(person_id, dt.date.today(), "Rappeler")
    assert state.pathways.undo_orientation_id is None
    state.pathways.undo_withdraw_orientation()
    assert _data(state, oid)["deleted"] is True


def test_an_outcome_for_an_unknown_orientation_is_refused(state: FieldState) -> None:
    with pytest.raises(ValueError, match="Rien n'est enregistré"):
        state.pathways.report_outcome(
            "01900000-0000-7000-8000-0000000000aa", OrientationOutcome.EMPLOYMENT
        )
    assert state.store.rows("orientation") == []
