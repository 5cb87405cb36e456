"""The channel of a contact, as the mediator chose it, through FieldState on a real file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.field.state.field_state import FieldState
from domain.sync import RowOut
from domain.vocabulary import Channel, EventType
from tests.factories import make_field_state, make_local_person


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    yield field_state
    field_state.store.close()


def _person(state: FieldState) -> str:
    return state.store.create("person", make_local_person())


def _data(state: FieldState, contact_id: str) -> dict[str, object]:
    row = state.store.get("contact", contact_id)
    assert row is not None
    return row.data


def _latest_entry(state: FieldState, person_id: str) -> str:
    pathway = state.pathways.pathway(person_id)
    assert pathway is not None
    return pathway.timeline[0].title


def _last_op_set(state: FieldState) -> dict[str, object]:
    return dict(state.store.pending_ops(100)[-1].set)


def test_outside_an_action_a_contact_from_the_pathway_defaults_to_a_phone_call(
    state: FieldState,
) -> None:
    person_id = _person(state)
    assert state.default_contact_channel() == Channel.PHONE

    contact_id = state.add_contact(person_id, {"need": "Rappel CV"}, Channel.PHONE)

    contact = _data(state, contact_id)
    assert contact["channel"] == "phone"
    assert "event_id" not in contact
    assert _latest_entry(state, person_id) == "Contact · Téléphone"


def test_during_an_action_the_default_is_the_actions_channel_and_links_to_it(
    state: FieldState,
) -> None:
    event_id = state.start_event({"type": EventType.DROP_IN.value})
    person_id = _person(state)
    assert state.default_contact_channel() == Channel.DROP_IN

    met_here = state.add_contact(person_id, {"need": "Inscription"}, Channel.DROP_IN)
    escorted = state.add_contact(person_id, {"note": "Accompagnée à l'agence"}, Channel.ESCORT)

    here, escort = _data(state, met_here), _data(state, escorted)
    assert (here["channel"], here.get("event_id")) == ("drop_in", event_id)
    # An escort made while the permanence runs is not one of its contacts.
    assert (escort["channel"], escort.get("event_id")) == ("escort", None)


def test_quick_contacts_keep_the_actions_channel(state: FieldState) -> None:
    event_id = state.start_event({"type": EventType.FOOT_OF_BUILDING.value})
    state.quick_contact("under_26", None, None)

    [contact] = state.today_contacts()
    assert contact.data["channel"] == "foot_of_building"
    assert contact.data["event_id"] == event_id


def test_a_correction_can_change_the_channel_alone(state: FieldState) -> None:
    person_id = _person(state)
    contact_id = state.add_contact(person_id, {"need": "Emploi"})  # the old default
    assert _data(state, contact_id)["channel"] == "foot_of_building"

    state.pathways.fix_contact(contact_id, {"channel": Channel.APPOINTMENT.value})

    assert _last_op_set(state) == {"channel": "appointment"}
    assert _latest_entry(state, person_id) == "Contact · Rendez-vous"


def test_a_new_person_met_outside_an_action_keeps_the_channel_chosen(
    state: FieldState,
) -> None:
    person_id = state.save_person_with_contact(
        make_local_person(first_name="Nour"), {"need": "Permis"}, None, channel=Channel.APPOINTMENT
    )
    assert _latest_entry(state, person_id) == "Contact · Rendez-vous"
    assert _last_op_set(state)["channel"] == "appointment"
    # Without a choice (the form's default outside an action), a street encounter.
    other = state.save_person_with_contact(make_local_person(first_name="Lina"), {}, None)
    assert _latest_entry(state, other) == "Contact · Pied d'immeuble"


def test_an_action_started_with_a_colleague_is_the_colleague_s_too(
    state: FieldState, tmp_path: Path
) -> None:
    me = state.user["id"]
    colleague = "01900000-0000-7000-8000-0000000000c2"
    event_id = state.start_event(
        {"type": EventType.DROP_IN.value, "axis": "reach_out", "mediator_ids": [me, colleague]}
    )
    assert _last_op_set(state)["mediator_ids"] == [me, colleague]
    event = state.store.get("event", event_id)
    assert event is not None

    # The colleague's phone pulls it: their quick contacts go to the same action.
    theirs = make_field_state(tmp_path, "colleague.sqlite3", user_id=colleague)
    store = theirs.store
    store.apply_pulled([RowOut(entity="event", id=event_id, version=1, data=event.data)])
    running = theirs.current_event()
    assert running is not None and running.id == event_id
    store.close()
