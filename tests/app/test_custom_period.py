"""The console's custom period: French reasons for dates a supervisor cannot use."""

from __future__ import annotations

import datetime as dt

import pytest

from app.console.state.insight_state import parse_custom_period


def test_a_typed_period_is_read_in_french_format() -> None:
    period = parse_custom_period("01/01/2023", " 31/12/2025 ")
    assert (period.start, period.end) == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        ("32/01/2025", "01/02/2025", "Date illisible « 32/01/2025 » : écrivez JJ/MM/AAAA"),
        ("01/03/2025", "01/02/2025", "La date de fin précède la date de début."),
        ("01/01/2001", "31/12/2025", "Période trop longue : trois ans au plus."),
    ],
)
def test_unusable_periods_say_why(start: str, end: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_custom_period(start, end)
