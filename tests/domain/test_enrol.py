"""Reading a one-time enrolment code the way a mediator types or scans it."""

from __future__ import annotations

import pytest

from domain.enrol import enrol_code_of


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-2345",
        "abcd-2345",
        " abcd 2345 ",
        "ABCD2345",
        "relais://enrol?server=http%3A%2F%2Fx&code=ABCD-2345",
    ],
)
def test_typed_or_scanned_codes_read_the_same(typed: str) -> None:
    assert enrol_code_of(typed) == "ABCD-2345"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-234",
        "ABCD-23456",
        "ABCD-2O45",
        "ABCD-1345",
        "relais://enrol?server=x",
        "mot de passe",
    ],
)
def test_anything_else_is_not_a_code(typed: str) -> None:
    assert enrol_code_of(typed) is None
