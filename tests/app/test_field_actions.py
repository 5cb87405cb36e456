"""Actions de terrain on the phone: ending one, several a day, correcting one, logging
one after the fact; through FieldState on a real SQLite file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.field.screens.new_person import PersonForm
from app.field.state.field_state import FieldState
from app.field.widgets.sync_bar import headline_text
from domain.field_actions import ALREADY_ENDED, END_BEFORE_START, START_IN_FUTURE
from domain.vocabulary import Axis, EventType
from tests.factories import make_field_state

QPV = "QN0600101"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    yield field_state
    field_state.store.close()


def _event(state: FieldState, event_id: str) -> dict[str, object]:
    row = state.store.get("event", event_id)
    assert row is not None
    return row.data


def _contact_events(state: FieldState) -> list[str | None]:
    rows = state.store.rows("contact", order_by="occurred_at")
    return [r.data.get("event_id") for r in rows]


def test_two_actions_in_a_day_each_with_its_own_contacts(state: FieldState) -> None:
    morning = state.start_event({"type": EventType.FOOT_OF_BUILDING.value, "qpv_code": QPV})
    state.quick_contact("under_26", None, None)
    state.quick_contact("26_49", "f", "yes")
    assert state.end_event(morning)
    assert state.current_event() is None
    # Between the two: a contact outside any action.
    state.quick_contact("50_plus", None, None)
    afternoon = state.start_event({"type": EventType.DROP_IN.value, "axis": Axis.IDENTIFY.value})
    current = state.current_event()
    assert current is not None and current.id == afternoon
    state.quick_contact("under_26", None, None)
    assert _contact_events(state) == [morning, morning, None, afternoon]
    assert state.event_contact_counts() == {morning: 2, afternoon: 1}
    assert [r.id for r in state.my_events()] == [afternoon, morning]
    assert _event(state, morning).get("ends_at")
    assert not _event(state, afternoon).get("ends_at")


def test_starting_an_action_ends_the_one_running(state: FieldState) -> None:
    first = state.start_event({"type": EventType.FOOT_OF_BUILDING.value})
    second = state.start_event({"type": EventType.DROP_IN.value})
    assert _event(state, first).get("ends_at")
    current = state.current_event()
    assert current is not None and current.id == second


def test_ending_an_action_twice_is_refused_and_changes_nothing(state: FieldState) -> None:
    event_id = state.start_event({"type": EventType.FOOT_OF_BUILDING.value})
    assert state.end_event(event_id)
    ended = _event(state, event_id)
    pending = state.store.sync_status().pending
    assert not state.end_event(event_id)
    assert state.error == ALREADY_ENDED
    assert _event(state, event_id) == ended
    assert state.store.sync_status().pending == pending


def test_an_action_logged_after_the_fact_keeps_its_real_times(state: FieldState) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    event_id = state.record_past_event(
        {"type": EventType.DROP_IN.value, "place": "Maison de quartier"},
        f"{yesterday:%d/%m/%Y}",
        "14:00",
        "17h30",
    )
    data = _event(state, event_id)
    starts = dt.datetime.fromisoformat(str(data["starts_at"])).astimezone()
    ends = dt.datetime.fromisoformat(str(data["ends_at"])).astimezone()
    assert (starts.date(), starts.hour, starts.minute) == (yesterday, 14, 0)
    assert (ends.hour, ends.minute) == (17, 30)
    assert state.current_event() is None  # ended: today's contacts are not filed under it


@pytest.mark.parametrize(
    ("day_offset", "start", "end", "reason"),
    [
        (1, "09:00", "10:00", START_IN_FUTURE),
        (-1, "14:00", "13:00", END_BEFORE_START),
        (-1, "14:00", "midi", "Heure invalide"),
        (None, "14:00", "15:00", "Date invalide"),
    ],
)
def test_bad_times_of_a_past_action_are_refused_in_french(
    state: FieldState, day_offset: int | None, start: str, end: str, reason: str
) -> None:
    day = (
        "32/13/2026"
        if day_offset is None
        else f"{dt.date.today() + dt.timedelta(days=day_offset):%d/%m/%Y}"
    )
    with pytest.raises(ValueError, match=re.escape(reason)):
        state.record_past_event({"type": EventType.DROP_IN.value}, day, start, end)
    assert state.store.rows("event") == []
    assert state.store.sync_status().pending == 0


def test_correcting_an_action(state: FieldState) -> None:
    event_id = state.start_event({"type": EventType.FOOT_OF_BUILDING.value})
    partner = "01900000-0000-7000-8000-0000000000p1".replace("p", "b")
    colleague = "01900000-0000-7000-8000-0000000000c1"
    state.update_event(
        event_id,
        {
            "type": EventType.DROP_IN.value,
            "place": "Mairie annexe",
            "qpv_code": QPV,
            "axis": Axis.INNOVATE.value,
            "partner_ids": [partner],
            "mediator_ids": [state.user["id"], colleague],
        },
    )
    data = _event(state, event_id)
    assert data["type"] == EventType.DROP_IN.value
    assert data["place"] == "Mairie annexe"
    assert data["qpv_code"] == QPV
    assert data["axis"] == Axis.INNOVATE.value
    assert data["partner_ids"] == [partner]
    assert data["mediator_ids"] == [state.user["id"], colleague]
    # An ended action's times are corrected too, with the same checks.
    assert state.end_event(event_id)
    yesterday = f"{dt.date.today() - dt.timedelta(days=1):%d/%m/%Y}"
    with pytest.raises(ValueError, match="avant son début"):
        state.update_event(event_id, {}, (yesterday, "10:00", "09:00"))
    state.update_event(event_id, {}, (yesterday, "00:01", "00:02"))
    starts = dt.datetime.fromisoformat(str(_event(state, event_id)["starts_at"])).astimezone()
    assert (starts.hour, starts.minute) == (0, 1)


# --- an anonymous contact linked to a person later ------------------------------------


def test_an_anonymous_contact_is_linked_to_a_person_later(state: FieldState) -> None:
    state.start_event({"type": EventType.FOOT_OF_BUILDING.value})
    state.quick_contact("under_26", "m", "yes")
    [counted] = state.pathways.anonymous_contacts()
    form = PersonForm(first_name="Yanis")
    person_id = state.save_person_with_contact(
        form.person_values(None), form.contact_values(), None
    )
    # The person's own contact of today is not offered: only anonymous ones.
    assert [r.id for r in state.pathways.anonymous_contacts()] == [counted.id]
    state.pathways.link_contact(counted.id, person_id)
    assert state.notice is not None and "rattaché à Yanis" in state.notice
    linked = state.store.get("contact", counted.id)
    assert linked is not None and linked.data["person_id"] == person_id
    # What was counted stays as counted (age band, event); the pathway shows it.
    assert linked.data["age_band"] == "under_26" and linked.data.get("event_id")
    pathway = state.pathways.pathway(person_id)
    assert pathway is not None and pathway.contact_count == 2
    assert state.pathways.anonymous_contacts() == []


def test_linking_a_contact_already_linked_is_refused_and_changes_nothing(
    state: FieldState,
) -> None:
    state.quick_contact("26_49", None, None)
    [counted] = state.pathways.anonymous_contacts()
    first = state.save_person_with_contact(
        PersonForm(first_name="Yanis").person_values(None), {}, None
    )
    other = state.save_person_with_contact(
        PersonForm(first_name="Sarah").person_values(None), {}, None
    )
    state.pathways.link_contact(counted.id, first)
    pending = state.store.sync_status().pending
    with pytest.raises(ValueError, match=re.escape("Ce contact est déjà rattaché à Yanis.")):
        state.pathways.link_contact(counted.id, other)
    row = state.store.get("contact", counted.id)
    assert row is not None and row.data["person_id"] == first
    assert state.store.sync_status().pending == pending


# --- the pending counter counts entries, not ops ------------------------------------------


def test_the_pending_counter_counts_the_entries_made(state: FieldState) -> None:
    event_id = state.start_event({"type": EventType.FOOT_OF_BUILDING.value})
    state.quick_contact("under_26", None, None)
    state.quick_contact("26_49", None, None)
    state.end_event(event_id)  # a second op on the same action
    person_id = state.save_person_with_contact(
        PersonForm(first_name="Inès").person_values(None), {}, None
    )
    state.pathways.update_person(person_id, {"last_name": "Haddad"})
    status = state.store.sync_status()
    assert status.pending == 7
    assert status.pending_entries == {"event": 1, "contact": 3, "person": 1}
    assert headline_text(status) == (
        "3 contacts, 1 personne, 1 action en attente de synchronisation"
    )
