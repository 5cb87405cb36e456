"""Actions de terrain: ending one, the times of one logged later, where a contact belongs."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.entities import FieldsError, normalise_fields
from domain.field_actions import (
    ALREADY_ENDED,
    END_BEFORE_START,
    END_IN_FUTURE,
    START_IN_FUTURE,
    check_end,
    check_times,
    contact_event,
    is_running,
    parse_time,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 3, 18, 0, tzinfo=UTC)


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 3, hour, minute, tzinfo=UTC)


def test_an_action_ends_once() -> None:
    running = {"starts_at": _at(9).isoformat()}
    assert is_running(running)
    assert check_end(running, _at(11)) is None
    ended = {**running, "ends_at": _at(11).isoformat()}
    assert not is_running(ended)
    assert check_end(ended, _at(12)) == ALREADY_ENDED
    assert check_end(running, _at(8)) == END_BEFORE_START


def test_times_of_an_action_logged_after_the_fact() -> None:
    assert check_times(_at(14), _at(17), NOW) is None
    assert check_times(_at(14), None, NOW) is None
    assert check_times(NOW + dt.timedelta(days=1), None, NOW) == START_IN_FUTURE
    assert check_times(_at(14), _at(19), NOW) == END_IN_FUTURE
    assert check_times(_at(14), _at(13), NOW) == END_BEFORE_START


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("14:30", dt.time(14, 30)), ("9h", dt.time(9, 0)), ("09h05", dt.time(9, 5))],
)
def test_parse_time(typed: str, expected: dt.time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["", "25:00", "14:60", "midi", "14:30:00"])
def test_parse_time_refuses(typed: str) -> None:
    assert parse_time(typed) is None


def test_the_action_a_contact_belongs_to() -> None:
    events: list[dict[str, object]] = [
        {"id": "am", "starts_at": _at(9).isoformat(), "ends_at": _at(11).isoformat()},
        {"id": "pm", "starts_at": _at(14).isoformat()},
        {"id": "gone", "starts_at": _at(15).isoformat(), "deleted": True},
    ]
    assert (contact_event(events, _at(10)) or {}).get("id") == "am"
    assert contact_event(events, _at(12)) is None
    assert (contact_event(events, _at(16)) or {}).get("id") == "pm"
    assert contact_event(events, _at(8)) is None


def test_an_op_ending_an_action_before_its_start_is_refused() -> None:
    with pytest.raises(FieldsError, match="avant son début"):
        normalise_fields("event", {"starts_at": _at(14).isoformat(), "ends_at": _at(9).isoformat()})
    assert normalise_fields("event", {"ends_at": _at(9).isoformat()}) == {
        "ends_at": "2026-03-03T09:00:00Z"
    }
