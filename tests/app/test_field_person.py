"""A person's record on the phone: what the new-person form keeps, and rectification
(« Modifier la fiche »), through FieldState on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import AppConfig
from app.screens.new_person import PersonForm
from app.state import FieldState
from domain.vocabulary import EventType
from tests.factories import make_local_session, make_locked_store

QPV = "QN0600101"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    store = make_locked_store(tmp_path)  # PIN set and unlocked, as after setup
    store.save_session(make_local_session())
    config = AppConfig(server_url="http://relais.test", db_path=tmp_path / "x", mode="field")
    field_state = FieldState(config=config, store=store)
    field_state._load_unlocked()
    yield field_state
    store.close()


def _person(state: FieldState, person_id: str) -> dict[str, object]:
    row = state.store.get("person", person_id)
    assert row is not None
    return row.data


@pytest.mark.parametrize("answer", ["no", "unknown", "yes"])
def test_the_qpv_answer_of_a_new_person_is_kept_as_given(state: FieldState, answer: str) -> None:
    form = PersonForm(first_name="Inès", qpv=answer)
    person_id = state.save_person_with_contact(
        form.person_values(None), form.contact_values(), None
    )
    data = _person(state, person_id)
    assert data["qpv_resident"] == answer
    assert "qpv_code" not in data  # no action running: which QPV is not known


def test_yes_during_an_action_also_records_the_actions_qpv(state: FieldState) -> None:
    state.start_event({"type": EventType.FOOT_OF_BUILDING.value, "qpv_code": QPV})
    event = state.current_event()
    assert event is not None
    for answer, code in (("yes", QPV), ("no", None)):
        form = PersonForm(first_name="Inès", qpv=answer)
        qpv_code = form.qpv_code(event.data.get("qpv_code"), [QPV])
        person_id = state.save_person_with_contact(
            form.person_values(qpv_code), form.contact_values(), None
        )
        data = _person(state, person_id)
        assert (data["qpv_resident"], data.get("qpv_code")) == (answer, code)
    # A QPV outside the cité's referential is not recorded.
    assert PersonForm(qpv="yes").qpv_code("QN0000000", [QPV]) is None
