"""« Retirer la saisie » on the Synchronisation screen, through FieldState on a real file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.field.state.field_state import FieldState
from domain.ids import uuid7
from domain.sync import OpResult
from tests.factories import make_field_state, make_local_contact


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    yield field_state
    field_state.store.close()


def _refused_contact(state: FieldState) -> str:
    state.store.create("contact", make_local_contact(person_id=uuid7()))
    [op] = state.store.pending_ops(10)
    state.store.apply_push_results(
        [OpResult(op_id=op.op_id, outcome="rejected", reason="person_id : référence inconnue")]
    )
    state._changed()
    assert state.status is not None and state.status.rejected_op_ids == [op.op_id]
    return op.op_id


def test_withdrawing_a_refused_contact_says_what_became_of_it(state: FieldState) -> None:
    op_id = _refused_contact(state)
    state.drop_rejected(op_id)
    assert state.notice == "Saisie retirée : la fiche créée sur ce téléphone est supprimée."
    assert state.status is not None and state.status.rejected == []


def test_nothing_is_withdrawn_while_a_sync_runs(state: FieldState) -> None:
    op_id = _refused_contact(state)
    state.sync_progress.running = True
    state.drop_rejected(op_id)
    assert state.error == "Attendez la fin de la synchronisation pour retirer une saisie."
    assert state.store.sync_status().rejected_op_ids == [op_id]
